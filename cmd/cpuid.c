/* cpuid.c - OpenSSL's CPU probe, run by the commands that hash, not at start */
#include "cmd.h"

/*
 * OpenSSL's x86-64 code, linked statically for SHA-256, probes the CPU
 * from .init in every process: six CPUID instructions, each a trap to the
 * hypervisor in a virtual machine (about 25 us in all, a twentieth of
 * what `auditlog -s SOCKET record` costs, which hashes nothing).  The
 * tool is linked with --wrap=OPENSSL_cpuid_setup (GNUmakefile), so .init
 * calls the empty function below, and main() runs the probe itself before
 * every command that may hash.  A hash made without the probe is still
 * right: OpenSSL then takes its plain x86-64 code, as with
 * OPENSSL_ia32cap=0.  Linked with a shared libcrypto, which probes when
 * it is loaded, there is nothing to wrap and cpuid_setup does nothing.
 */
#ifdef AL_WRAP_CPUID
void	__real_OPENSSL_cpuid_setup(void);
void	__wrap_OPENSSL_cpuid_setup(void);

void
__wrap_OPENSSL_cpuid_setup(void)
{
}

void
cpuid_setup(void)
{
	__real_OPENSSL_cpuid_setup();
}
#else
void
cpuid_setup(void)
{
}
#endif
