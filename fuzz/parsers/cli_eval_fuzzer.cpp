// lpconform fuzz — `lpconform eval encode|decode`, the CSV reader and value parsing behind it, run
// through the shipped command line unchanged (lpc::cli::run_command_line, which lpconform's main()
// calls); stdin and stdout are string buffers.
//
// Bytes: control values from the end choose the command line — encode or decode, the format, and
// for encode a rounding, an overflow policy of the format's kind, sr_bits for a stochastic
// rounding and the source type — and the implementation (reference or fast); the rest is stdin.
// Contract (README "The command line"): exit 0 with the CSV header first on stdout; or exit 2,
// nothing on stdout and a message on stderr. Exit 1 (the implementation failed or refused a valid
// request) and exit 3 (internal error: an exception the CLI did not expect) are findings.
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/app.hpp"
#include "conformance/core/case.hpp"
#include "fuzz/support/fuzz_support.hpp"

namespace {

// Swaps a standard stream's buffer for the duration of one run.
struct StreamRedirect {
  std::ios& stream;
  std::streambuf* saved;
  StreamRedirect(std::ios& s, std::streambuf* buffer) : stream(s), saved(s.rdbuf(buffer)) {}
  ~StreamRedirect() { stream.rdbuf(saved); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  FuzzedDataProvider provider(data, size);

  // 1. The command line.
  const bool encode = provider.ConsumeBool();
  const Format& format = all_formats()[provider.ConsumeIntegralInRange<size_t>(0, all_formats().size() - 1)];
  const std::string impl = provider.ConsumeBool() ? "fast" : "reference";
  std::vector<std::string> args = {"lpconform", "eval", encode ? "encode" : "decode", "--format", format.name, "--impl", impl};
  if (encode) {
    const Rounding rounding = static_cast<Rounding>(provider.ConsumeIntegralInRange<int>(0, 8));
    const Overflow overflow = format.is_integer() ? provider.PickValueInArray(kIntegerOverflows) : provider.PickValueInArray(kFloatOverflows);
    const Source source = static_cast<Source>(provider.ConsumeIntegralInRange<int>(0, 3));
    args.insert(args.end(), {"--rounding", to_string(rounding), "--overflow", to_string(overflow), "--source", to_string(source)});
    if (is_stochastic(rounding)) args.insert(args.end(), {"--sr-bits", std::to_string(provider.ConsumeIntegralInRange<int>(1, 24))});
  }
  const std::string stdin_text = provider.ConsumeRemainingBytesAsString();

  // 2. Run it.
  std::stringbuf in(stdin_text, std::ios::in), out, err;
  int status = 0;
  {
    const StreamRedirect redirect_in(std::cin, &in), redirect_out(std::cout, &out), redirect_err(std::cerr, &err);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    status = lpc::cli::run_command_line(static_cast<int>(argv.size()), argv.data());
  }

  // 3. The contract.
  std::string command;
  for (size_t i = 1; i < args.size(); ++i) command += (i > 1 ? " " : "") + args[i];
  const std::string detail = "lpconform " + command + " exits " + std::to_string(status) + "\nstderr: " + err.str();
  const std::string repro = "lpconform " + command + " < (the stdin part of the input, " + std::to_string(stdin_text.size()) + " bytes)";
  const std::string signature = std::string("cli-eval-") + (encode ? "encode-" : "decode-") + impl;
  if (status == 0 && !out.str().starts_with(encode ? "input,output,flags\n" : "code,value_f32,value_exact\n"))
    fuzz::report_finding(signature + "-no-header", detail + "\nstdout starts: " + out.str().substr(0, 80), repro);
  if (status == 2 && (!out.str().empty() || err.str().empty()))
    fuzz::report_finding(signature + "-error-output", detail + "\nstdout: " + out.str().substr(0, 80), repro);
  if (status != 0 && status != 2) fuzz::report_finding(signature + "-exit-" + std::to_string(status), detail, repro);
  return 0;
}
