/*
 * bind_loopback.so: an LD_PRELOAD shim for test servers that cannot be told which address to
 * listen on (gnutls-serv binds the wildcard address). Every bind() to INADDR_ANY becomes a bind
 * to 127.0.0.1, and every bind() to in6addr_any a bind to ::1, so the server is reachable from
 * this machine only. Used by the interoperability tests (InteropTest); not part of the library.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    static bind_fn real_bind;
    struct sockaddr_storage copy;

    if (real_bind == NULL) {
        real_bind = (bind_fn) dlsym(RTLD_NEXT, "bind");
    }
    if (addr != NULL && len <= sizeof copy) {
        if (addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
            memcpy(&copy, addr, len);
            struct sockaddr_in *in = (struct sockaddr_in *) &copy;
            if (in->sin_addr.s_addr == htonl(INADDR_ANY)) {
                in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            }
            return real_bind(fd, (const struct sockaddr *) &copy, len);
        }
        if (addr->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
            memcpy(&copy, addr, len);
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &copy;
            if (memcmp(&in6->sin6_addr, &in6addr_any, sizeof in6addr_any) == 0) {
                in6->sin6_addr = in6addr_loopback;
            }
            return real_bind(fd, (const struct sockaddr *) &copy, len);
        }
    }
    return real_bind(fd, addr, len);
}
