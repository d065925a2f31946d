// The system calls pool needs and Node does not offer (Linux). Node-API, so one build serves every Node
// version from 20 on.
//   setChildSubreaper(): orphans of this process's descendants are reparented to it, not to init
//   isChildSubreaper(): whether it is one
//   reap(pid): waitpid(pid, WNOHANG) for one pid libuv did not spawn; { pid, code, signal } or null
//   sendWithHandle(socketFd, bytes, handleFd): sendmsg() of bytes with handleFd attached (SCM_RIGHTS), as
//     libuv's uv_write2 does on an IPC pipe: how a listening socket reaches a Node cluster worker over a
//     channel that pool reads itself. Returns the bytes sent, or -1 when the socket is full (EAGAIN).
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <node_api.h>
#include <sys/prctl.h>
#include <sys/socket.h>
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

static napi_value send_with_handle(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t socket_fd = -1, handle_fd = -1;
  void *data = NULL;
  size_t length = 0;
  bool is_buffer = false;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &socket_fd) != napi_ok || socket_fd < 0 ||
      napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_value_int32(env, argv[2], &handle_fd) != napi_ok || handle_fd < 0) {
    napi_throw_type_error(env, NULL, "sendWithHandle(socketFd, buffer, handleFd): two fds >= 0 and a non-empty Buffer");
    return NULL;
  }
  CHECK(napi_get_buffer_info(env, argv[1], &data, &length));
  if (length == 0) {
    napi_throw_type_error(env, NULL, "sendWithHandle: the buffer must not be empty (the fd travels with its first byte)");
    return NULL;
  }
  struct iovec iov = {.iov_base = data, .iov_len = length};
  union {
    char buffer[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr message = {0};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control.buffer;
  message.msg_controllen = sizeof control.buffer;
  struct cmsghdr *header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(header), &handle_fd, sizeof(int));
  ssize_t sent;
  do sent = sendmsg(socket_fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (sent < 0 && errno == EINTR);
  if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return throw_errno(env, "sendmsg(SCM_RIGHTS)");
  napi_value result;
  CHECK(napi_create_int64(env, sent < 0 ? -1 : (int64_t)sent, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"setChildSubreaper", NULL, set_child_subreaper, NULL, NULL, NULL, napi_default, NULL},
      {"isChildSubreaper", NULL, is_child_subreaper, NULL, NULL, NULL, napi_default, NULL},
      {"reap", NULL, reap, NULL, NULL, NULL, napi_default, NULL},
      {"sendWithHandle", NULL, send_with_handle, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
