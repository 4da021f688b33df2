// lpconform fuzz — NumPy .npy files as vector mode reads them (`vectors check --results DIR`,
// `eval OP --npy NAME=FILE`): a vendor's results, so any bytes. Contract (cli/npy.hpp): read_npy
// returns a tensor whose element count is its shape's product and which npy_bytes writes and
// read_npy reads back unchanged (NaN as a class), or throws std::invalid_argument. Anything
// else is a finding.
#include <string>
#include <typeinfo>

#include "cli/npy.hpp"
#include "fuzz/support/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const std::string repro = "the input bytes as an .npy file";
  ops::Tensor t;
  try {
    t = cli::read_npy(bytes);
  } catch (const std::invalid_argument&) {
    return 0;
  } catch (const std::exception& e) {
    fuzz::report_finding("npy-unexpected-exception", std::string(typeid(e).name()) + ": " + e.what(), repro);
  }
  uint64_t count = 1;
  for (uint64_t d : t.shape) count *= d;
  if (count != t.size()) fuzz::report_finding("npy-count", std::to_string(t.size()) + " elements for shape " + ops::shape_text(t.shape), repro);
  const ops::Tensor back = cli::read_npy(cli::npy_bytes(t));
  bool same = back.is_float == t.is_float && back.shape == t.shape && back.size() == t.size();
  for (size_t i = 0; same && i < t.size(); ++i) same = ops::same_element(back, i, t, i);
  if (!same) fuzz::report_finding("npy-round-trip", "npy_bytes then read_npy changed the tensor", repro);
  return 0;
}
