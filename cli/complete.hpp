#pragma once
// Completion for bash: what may come next on a command line, asked of the daemon (OPTIONS
// with ?help=<CMD>&completion on the path so far, GET on lists and framework listings).
#include <span>
#include <string>
#include <vector>

#include "cli/http_client.hpp"

namespace pcn::cli {

// `words` are the command line after "polycubectl", the last one the word being typed
// (maybe empty). Throws what parsing and the client throw.
std::vector<std::string> completion_candidates(http_client& client, std::span<const std::string> words);

}  // namespace pcn::cli
