#pragma once
// `pcn-bench report`: RESULTS.md from the JSON files of a results folder, newest first.
// Reads pcn-bench's documents (one suite, or the array `all` writes) and Google
// Benchmark's --benchmark_format=json output.
#include <filesystem>
#include <string>

namespace pcn::bench {

// Throws std::runtime_error naming the file that cannot be read or is of no known shape.
std::string results_markdown(const std::filesystem::path& dir);

}  // namespace pcn::bench
