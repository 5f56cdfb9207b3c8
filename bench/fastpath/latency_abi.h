/* Where the generator stamps frames and how the sink files their latency (slowpath suite). */
#pragma once

#define LATENCY_STAMP_OFFSET 42 /* the UDP payload of an Ethernet/IPv4/UDP frame */
#define LATENCY_BUCKET_NS 250
#define LATENCY_BUCKETS 8192    /* about 2 ms; the last bucket holds the slower ones */
