#include "utils_c.h"

extern "C" {

const char* faiss_get_version(void) {
    return FAISSLIKE_VERSION_STRING;
}

} // extern "C"
