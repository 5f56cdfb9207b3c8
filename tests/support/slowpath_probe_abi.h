/* The slow-path probe cube's constants, shared with the tests. */
#pragma once

#define SLOWPATH_PROBE_REASON 42
#define SLOWPATH_PROBE_WORD 0xdeadbeef
#define SLOWPATH_PROBE_NOTIFY 7
