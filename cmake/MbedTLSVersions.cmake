# Known Mbed TLS releases: one line each.
#   mbedtls_known_version(VERSION ARCHIVE-SUFFIX SHA-256 DEBIAN-SUITE)
# The SHA-256 is that of the upstream release asset where there is one (3.6.x); for these
# versions Debian's `.orig` tarball is byte-identical to it, which is how it is fetched offline.
# 2.28.3's hash is that of Debian's `mbedtls_2.28.3.orig.tar.gz`, a GitHub archive of the tag
# (top directory Mbed-TLS-mbedtls-8f97ca5) that no upstream asset is known to match: in
# practice it comes from Debian (or the cache, or -Dmbedtls.source).
# The suite is one where Debian carries some revision of that upstream version.

mbedtls_known_version(3.6.7  tar.bz2 a7e8bcbec0e6f761b4af24f25677626b35f762f68eef79c08677a363212d11f6 sid)
mbedtls_known_version(3.6.6  tar.bz2 8fb65fae8dcae5840f793c0a334860a411f884cc537ea290ce1c52bb64ca007a trixie)
mbedtls_known_version(2.28.3 tar.gz  3b4953aa55a681e084d31892d9904cc5328d6b4958ea57b90ae4b4f94ae69a8d bookworm)
