"""Settlement's use cases, one module per group of RPCs; each takes its command, the caller (`deps.Call`) and the
dependencies (`deps.Deps`)."""
