/* tbfwd - the stubbed commands' entry point in a test-bed VM (/usr/bin/kubectl -> tbfwd, ...).
 *
 * Starting the Python stub for every command cost ~0.07 CPU-s (interpreter start-up and reading
 * the 4,600-line stub), which made the test bed, not the code under test, the bottleneck of
 * multi-node benchmarks. This forwarder hands its stdin/stdout/stderr (SCM_RIGHTS) and the path
 * it was executed as (AT_EXECFN, what a shebang interpreter would see as argv[0]) to the VM's
 * resident stub server (`tbstub --serve`, started by the boot hook), which reads argv, environment,
 * cwd, credentials and umask of this process from /proc, runs the handler in a forked child
 * and sends back its wait status; the forwarder then exits the same way. Without a server (or
 * if it cannot be reached) it runs the stub directly, as before. Written in C because anything
 * with an interpreter would cost what it is meant to save.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <fcntl.h>
#include <unistd.h>

#define SOCK "/run/testbed/tbstub.sock"
#define STUB "/usr/lib/testbed/tbstub"
#define PY "/usr/bin/python3"

static void fallback(int argc, char **argv, const char *execfn) {
  const char *prog = strrchr(execfn, '/');
  prog = prog ? prog + 1 : execfn;
  char **av = calloc((size_t)argc + 6, sizeof *av);
  if (!av) _exit(127);
  int n = 0;
  av[n++] = "python3";
  av[n++] = "-IS";
  av[n++] = STUB;
  if (strcmp(prog, "tbfwd") != 0) {
    av[n++] = "--prog";
    av[n++] = (char *)prog;
  }
  for (int i = 1; i < argc; i++) av[n++] = argv[i];
  av[n] = NULL;
  execv(PY, av);
  perror("tbfwd: " PY);
  _exit(127);
}

int main(int argc, char **argv) {
  const char *execfn = (const char *)getauxval(AT_EXECFN);
  if (!execfn || !*execfn) execfn = argv[0];
  if (getenv("TESTBED_NO_SERVER")) fallback(argc, argv, execfn);

  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strcpy(a.sun_path, SOCK);
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) fallback(argc, argv, execfn);

  /* header: magic, bit mask of the standard fds passed (closed ones are not), length of execfn */
  int fds[3], nfd = 0;
  uint32_t hdr[3] = {0x31464254 /* "TBF1" */, 0, (uint32_t)strlen(execfn)};
  for (int fd = 0; fd < 3; fd++)
    if (fcntl(fd, F_GETFD) != -1) {
      fds[nfd++] = fd;
      hdr[1] |= 1u << fd;
    }
  struct iovec iov[2] = {{hdr, sizeof hdr}, {(void *)execfn, hdr[2]}};
  union {
    char buf[CMSG_SPACE(sizeof fds)];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
  if (nfd) {
    m.msg_control = u.buf;
    m.msg_controllen = CMSG_SPACE(nfd * sizeof(int));
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(nfd * sizeof(int));
    memcpy(CMSG_DATA(c), fds, nfd * sizeof(int));
  }
  ssize_t w;
  do w = sendmsg(s, &m, MSG_NOSIGNAL);
  while (w < 0 && errno == EINTR);
  if (w != (ssize_t)(sizeof hdr + hdr[2])) fallback(argc, argv, execfn); /* nothing ran yet */

  int32_t status;
  size_t got = 0;
  while (got < sizeof status) {
    ssize_t r = read(s, (char *)&status + got, sizeof status - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      fprintf(stderr, "tbfwd: lost the stub server\n");
      return 126;
    }
    got += (size_t)r;
  }
  if (status == -1) fallback(argc, argv, execfn); /* the server cannot see this process */
  if ((status & 0x7f) == 0) return (status >> 8) & 0xff; /* exited */
  int sig = status & 0x7f;                                 /* killed by a signal: die the same way */
  signal(sig, SIG_DFL);
  raise(sig);
  return 128 + sig;
}
