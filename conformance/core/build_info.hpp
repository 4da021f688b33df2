// lpconform — what was built: the suite's version (LPC_VERSION) and the commit of the source tree,
// for `--version` and every report.
#pragma once

namespace lpc {

// The source tree's commit when the binary was built: 12 hex digits, "-dirty" when the tree had
// uncommitted changes, "unknown" outside a git checkout (cmake/commit.cmake).
const char* suite_commit();

}  // namespace lpc
