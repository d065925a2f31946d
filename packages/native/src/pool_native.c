// The system calls pool needs and Node does not offer (Linux). Node-API, so one build serves every Node
// version from 20 on.
//   setChildSubreaper(): orphans of this process's descendants are reparented to it, not to init
//   isChildSubreaper(): whether it is one
//   reap(pid): waitpid(pid, WNOHANG) for one pid libuv did not spawn; { pid, code, signal } or null
#include <errno.h>
#include <stdio.h>
#include <node_api.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#define CHECK(call)                                                                                                \
  if ((call) != napi_ok) return NULL

static napi_value throw_errno(napi_env env, const char *call) {
  char message[96];
  snprintf(message, sizeof message, "%s failed: errno %d", call, errno);
  napi_throw_error(env, NULL, message);
  return NULL;
}

static napi_value set_child_subreaper(napi_env env, napi_callback_info info) {
  (void)info;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) return throw_errno(env, "prctl(PR_SET_CHILD_SUBREAPER)");
  napi_value result;
  CHECK(napi_get_boolean(env, true, &result));
  return result;
}

static napi_value is_child_subreaper(napi_env env, napi_callback_info info) {
  (void)info;
  int value = 0;
  if (prctl(PR_GET_CHILD_SUBREAPER, &value, 0, 0, 0) != 0) return throw_errno(env, "prctl(PR_GET_CHILD_SUBREAPER)");
  napi_value result;
  CHECK(napi_get_boolean(env, value != 0, &result));
  return result;
}

static napi_value reap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t pid = 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &pid) != napi_ok || pid < 2) {
    napi_throw_type_error(env, NULL, "reap(pid): pid must be an integer >= 2");
    return NULL;
  }
  int status = 0;
  pid_t done = waitpid(pid, &status, WNOHANG);
  napi_value result;
  if (done <= 0) {
    CHECK(napi_get_null(env, &result));
    return result;
  }
  napi_value value;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_int32(env, done, &value));
  CHECK(napi_set_named_property(env, result, "pid", value));
  if (WIFEXITED(status)) CHECK(napi_create_int32(env, WEXITSTATUS(status), &value));
  else CHECK(napi_get_null(env, &value));
  CHECK(napi_set_named_property(env, result, "code", value));
  if (WIFSIGNALED(status)) CHECK(napi_create_int32(env, WTERMSIG(status), &value));
  else CHECK(napi_get_null(env, &value));
  CHECK(napi_set_named_property(env, result, "signal", value));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"setChildSubreaper", NULL, set_child_subreaper, NULL, NULL, NULL, napi_default, NULL},
      {"isChildSubreaper", NULL, is_child_subreaper, NULL, NULL, NULL, napi_default, NULL},
      {"reap", NULL, reap, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
