#pragma once
// The words of a polycubectl command line, classified:
//
//   polycubectl hw0 ports add port1 peer=veth1 type=external
//               |___|____|___|___| |___________________|
//               path     cmd path   assignments (key=value)
//
// Path words name the resource (they may follow the command too: `router add r1`); the
// command is add, del, show or set, or absent (then the last path word is an action, or a
// framework command such as connect); key=value words come last; '?' asks for help and
// comes last of all; flags (-json, -hide=...) go anywhere.
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pcn::cli {

// A command line that cannot be understood; the message names the offending word.
class syntax_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class command { none, add, del, show, set };
enum class show_format { normal, brief, verbose, json, yaml };

struct command_line {
  std::vector<std::string> path;  // path words, in order, before and after the command
  size_t before_command = 0;      // how many path words precede the command
  command cmd = command::none;
  std::vector<std::pair<std::string, std::string>> assignments;  // key=value, in order
  show_format format = show_format::normal;
  bool format_given = false;      // a format flag was on the line
  std::vector<std::string> hide;  // -hide=a,b.c: dotted paths not to print
  bool help = false;              // '?'
  bool usage = false;             // -h, --help, or nothing at all
};

// Throws syntax_error.
command_line parse_args(std::span<const std::string> args);

std::string_view command_name(command c);  // "" for none

// 'word': how error messages name what the user typed.
std::string quoted(std::string_view word);

}  // namespace pcn::cli
