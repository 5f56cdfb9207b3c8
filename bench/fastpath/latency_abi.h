/* The generator's frame (its size: kernel_topology.hpp's udp_frame()), where the generator
 * stamps it and how the sink files its latency (slowpath suite). */
#pragma once

#define GENERATOR_FRAME_SIZE 64

#define LATENCY_STAMP_OFFSET 42 /* the UDP payload of an Ethernet/IPv4/UDP frame */
#define LATENCY_BUCKET_NS 250
#define LATENCY_BUCKETS 8192    /* about 2 ms; the last bucket holds the slower ones */
