// The llama.cpp C API, built by scripts/llm-deps.sh into the version-keyed cache.
// Package.swift points the include and library paths at that prefix.
#include <llama.h>
