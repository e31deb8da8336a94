// SwiftPM needs one source file in a C target; the API lives in libllama.
#include "CLlama.h"
