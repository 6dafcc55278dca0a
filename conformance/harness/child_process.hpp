// child_process.hpp: small helpers for the broker processes tests start and stop.
#pragma once

#include <sys/types.h>

#include <string>

namespace mqtt::cert {

// stop_child sends SIGTERM to `pid`, waits up to 2 s for it to exit, then SIGKILLs it and
// reaps it. Sets `pid` to -1. Does nothing when `pid` is not positive.
void stop_child(pid_t& pid);

// command_output runs `command` with the shell and returns what it printed.
std::string command_output(const std::string& command);

}  // namespace mqtt::cert
