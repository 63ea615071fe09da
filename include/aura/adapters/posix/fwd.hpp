// aura/adapters/posix/fwd.hpp - forward declarations of the shared POSIX pieces.
#pragma once

namespace aura::posix {
class unique_fd;
class deadline;
class line_reader;
struct spawn_options;
struct child_process;
struct exit_status;
struct run_output;
}  // namespace aura::posix
