// Provides std::ios_base_library_init(), the one GLIBCXX_3.4.32 symbol that TorchSharp's
// libLibTorchSharp.so (built with GCC 13) needs. Older libstdc++ (Debian 12: GLIBCXX_3.4.30) lacks it.
// GCC 13 emits a call to it from every translation unit that includes <iostream>; its job is to make
// sure the standard streams are constructed, which a static std::ios_base::Init does on older GCCs.
#include <ios>

namespace std
{
    void ios_base_library_init()
    {
        static std::ios_base::Init init;
    }
}
