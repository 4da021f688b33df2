# Writes a C++ source that defines `extern const char <SYMBOL>[]` holding the bytes of INPUT,
# NUL-terminated. Every byte becomes a \x escape in one string literal, so UTF-8 text is kept as is.
# Usage: cmake -DINPUT=... -DOUTPUT=... -DSYMBOL=... -DNAMESPACE=... -P embed_text.cmake
file(READ "${INPUT}" content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${content}")
# Break the literal every 64 bytes (adjacent literals concatenate) to keep lines short.
string(REGEX REPLACE "((\\\\x[0-9a-f][0-9a-f]){64})" "\\1\"\n\"" escaped "${escaped}")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by cmake/embed_text.cmake. Do not edit.\n"
  "namespace ${NAMESPACE} {\nextern const char ${SYMBOL}[];\nconst char ${SYMBOL}[] =\n\"${escaped}\";\n}\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
