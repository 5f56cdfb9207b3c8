#pragma once
// What polycubectl prints for `?` and offers for completion. The daemon answers OPTIONS
// with a help document derived from the model (shape: api/schema/README.md); the framework
// commands (connect, attach, cubes, ...) are described here, as no model has them.
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cli/args.hpp"

namespace pcn::cli {

// The keywords of a help document that apply to `cmd`, with their type and description:
// none -> commands, keys, parameters and actions; add -> keys, then key=value parameters
// (mandatory first); set -> writable leaves; show -> keys and members; del -> keys.
// `words` are the path words of the command line, for the example.
std::string help_text(const boost::json::value& document, command cmd, const std::vector<std::string>& words);

// Help of a framework command (connect, disconnect, attach, detach, services, cubes,
// topology, netdevs, version).
std::string local_help(std::string_view topic, command cmd);

// `polycubectl ?`: the framework commands, then the running cubes when `cubes` (the answer of
// GET cubes/) is not null.
std::string root_help(const boost::json::value& cubes);

// `polycubectl -h`.
std::string usage();

// Completion candidates for the word being typed (`current`, maybe empty) after a path whose
// help document is `document`, given `cmd`. `entries` are the names of the entries when the
// path is a list (or a service's cubes). Candidates ending in '=' want a value after them.
// A document that is an array of strings is the daemon's own completion list, used as is.
std::vector<std::string> completions(const boost::json::value& document, command cmd, std::string_view current,
                                     const std::vector<std::string>& entries);

// The name of each entry of a list (its first key), from the answer of GET on the list.
std::vector<std::string> entry_names(const boost::json::value& list, std::string_view key);

// The names in a framework listing (GET cubes/, services/, netdevs/): the "name" of each
// object of an array; of each array's objects in a map (service -> cubes); else the map's keys.
std::vector<std::string> listed_names(const boost::json::value& listing);

// The first key of a list in its help document ("name" when it does not say).
std::string first_key(const boost::json::value& document);

// Whether the document describes a list (or a service, whose cubes are a list).
bool describes_list(const boost::json::value& document);

}  // namespace pcn::cli
