// lpconform fuzz — the contract every parser of outside input is held to: any bytes either parse
// or fail with the documented error (lpc::InputError "origin:line:column: ...", or
// std::invalid_argument naming what is wrong). Any other exception is a finding, signature
// "<target>-unexpected-exception"; a crash, hang or sanitizer report is one by itself.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>

#include "fuzz/support/fuzz_support.hpp"
#include "spec/table/csv.hpp"

namespace lpc::fuzz {

// Runs parse(); returns true when it returned, false when it threw a documented error. Reports a
// finding for anything else; an InputError's message must start with "<origin>:".
template <class Parse>
bool parses(std::string_view target, std::string_view origin, std::string_view input, Parse&& parse) {
  const std::string repro = "the input bytes (" + std::to_string(input.size()) + " bytes) as the file";
  try {
    parse();
    return true;
  } catch (const InputError& e) {
    if (!std::string_view(e.what()).starts_with(std::string(origin) + ":"))
      report_finding(std::string(target) + "-error-without-position", std::string("InputError: ") + e.what(), repro);
  } catch (const std::invalid_argument&) {
  } catch (const std::exception& e) {
    report_finding(std::string(target) + "-unexpected-exception",
                   std::string(typeid(e).name()) + ": " + e.what(), repro);
  }
  return false;
}

}  // namespace lpc::fuzz
