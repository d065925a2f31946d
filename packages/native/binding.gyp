{
  "targets": [
    {
      "target_name": "pool_native",
      "sources": ["src/pool_native.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
