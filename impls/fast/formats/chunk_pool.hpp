// lpconform fast — the threads that batch conversions split their chunks over: started once and
// kept (a thread per call cost more than a 64 Ki chunk takes to convert), shared by every call.
#pragma once

#include <cstddef>

namespace lpc::fast::detail {

// Runs body(context, c) for every c in [0, chunks), on the calling thread and up to threads - 1
// pooled workers. Chunks must be independent. While another call holds the workers (the runner
// converts from several threads at once), or in a child forked after the workers started, the
// calling thread runs every chunk itself. An exception from a chunk reaches the caller after the
// other chunks finish.
void run_chunks(size_t chunks, size_t threads, void (*body)(void* context, size_t chunk), void* context);

}  // namespace lpc::fast::detail
