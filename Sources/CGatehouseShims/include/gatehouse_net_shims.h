#pragma once
#include <sys/socket.h>
/// accept4 is a GNU extension Swift's Glibc module doesn't expose.
int gh_accept_nonblocking(int fd, struct sockaddr *addr, socklen_t *len);
