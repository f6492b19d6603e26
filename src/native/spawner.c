/*
 * pcwl-spawner: one long-lived process that starts CWL tool commands (CWL v1.2 §Execution) with
 * posix_spawn (vfork semantics: no copy of the page tables), many at once. Built by
 * scripts/buildSpawner.ts; used by src/cwl/execution/nativeSpawner.ts. See docs/tool-start.md.
 *
 * Requests on stdin, one per job: 8 ASCII decimal digits giving the length in bytes of the body,
 * then the body: NUL-terminated fields
 *   id, cwd, stdin ("" = /dev/null), stdout, stderr ("" = the stdout file), the number of
 *   environment entries (decimal), that many NAME=VALUE entries, then the argv words (at least one).
 * Replies on stdout, one line each:
 *   S <id> <pid>            the command started (it leads its own process group)
 *   F <id> <what> <errno>   it could not start; what = cwd | stdin | stdout | stderr | program
 *   E <id> <code> <user_us> <sys_us> <maxrss_kb>
 *                           it ended: its exit code, or minus the number of the signal that killed
 *                           it; then its rusage (wait4: CPU in microseconds, peak RSS in KiB)
 * The spawner is a child subreaper: what a command leaves running is re-parented to it and reaped
 * here, so a command's process group empties as soon as its members die (PID 1 of a container may
 * never reap them). When its stdin closes or its parent dies (PR_SET_PDEATHSIG) the runner is gone
 * and nobody could stop the commands or hear how they ended: it SIGKILLs every running command's
 * process group and exits. Its own environment never reaches a command: each one gets exactly the
 * entries of its request.
 *
 * Launch mode, `pcwl-spawner --launch PROGRAM ARGS...` (what bin/parsl-cwl runs): the spawner is
 * started BEFORE the Node runner, so a run never forks Node (a fork of the ~50 MB runner costs
 * ~15 ms here, a posix_spawn from this small process ~2 ms). It binds a listening Unix socket with a
 * random abstract name, forks, and the PARENT execs PROGRAM (node) with PARSL_CWL_SPAWNER_SOCKET
 * set to that name: the runner keeps the pid, the signals and the exit status the user's shell
 * gave it, no signal needs forwarding, and the listening socket is close-on-exec, so no descriptor
 * leaks into Node or its children. The CHILD serves the same protocol on the one connection it
 * accepts, and only from its parent (SO_PEERCRED): the name is not a secret (every local user can
 * list abstract names in /proc/net/unix), so a stranger's connection is closed unread. It ignores
 * SIGINT/SIGTERM/SIGHUP/SIGQUIT (the runner decides what a signal means and stops the commands'
 * groups itself), and ends when the runner closes the connection or dies (PR_SET_PDEATHSIG),
 * killing every command still running first: nobody could stop them or hear how they ended (a
 * runner killed with SIGKILL leaves nothing behind). If any step before the fork fails, PROGRAM is
 * exec'd without a spawner, so the run goes on as before.
 */
#define _GNU_SOURCE
/* close_range(2) and posix_spawn_file_actions_addclosefrom_np: glibc 2.34 and later. */
#include <features.h>
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
#define HAVE_CLOSE_RANGE 1
#else
#define HAVE_CLOSE_RANGE 0
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

struct running {
  pid_t pid;
  char *id;
};

static struct running *jobs;
static size_t njobs, capjobs;

static char *out;
static size_t outlen, outcap;
/* Where replies go: stdout, or the runner's connection in launch mode. */
static int outfd = STDOUT_FILENO;

static void kill_jobs(void);

static void die(const char *what) {
  perror(what);
  exit(70);
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (!q) die("pcwl-spawner: realloc");
  return q;
}

/* Replies are gathered and written once per turn of the loop. */
static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + outlen, outcap - outlen, fmt, ap);
    va_end(ap);
    if (n < 0) die("pcwl-spawner: vsnprintf");
    if ((size_t)n < outcap - outlen) {
      outlen += (size_t)n;
      return;
    }
    outcap = outcap * 2 + (size_t)n + 64;
    out = xrealloc(out, outcap);
  }
}

static void flush(void) {
  size_t done = 0;
  while (done < outlen) {
    ssize_t w = send(outfd, out + done, outlen - done, MSG_NOSIGNAL);
    if (w < 0 && errno == ENOTSOCK) w = write(outfd, out + done, outlen - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      /* The runner is gone: nobody to report to. A command it never heard of (its S could not be
       * sent) would run on unseen: stop them all, as the runner's death would. */
      kill_jobs();
      exit(0);
    }
    done += (size_t)w;
  }
  outlen = 0;
}

static const char *errname(int err) {
  const char *name = strerrorname_np(err);
  return name ? name : "EIO";
}

/* Is `cand` (relative to dirfd) a regular file we may execute? 0, or ENOENT / EACCES as bash's
 * `[[ -f $c && -x $c ]]` / `[[ -e $c ]]` would decide. */
static int executable(int dirfd, const char *cand) {
  struct stat st;
  if (fstatat(dirfd, cand, &st, 0) != 0) return ENOENT;
  if (S_ISREG(st.st_mode) && faccessat(dirfd, cand, X_OK, AT_EACCESS) == 0) return 0;
  return EACCES;
}

/* execvp's search on the job's PATH (absent: /usr/bin:/bin; an empty entry is the working
 * directory); a name with '/' is taken as it is, relative to the working directory. Returns the
 * path to exec in *found (malloc'd), or an errno. */
static int lookup(int dirfd, const char *prog, const char *path, char **found) {
  if (strchr(prog, '/')) {
    int e = executable(dirfd, prog);
    if (e == 0) *found = strdup(prog);
    return e;
  }
  if (!path) path = "/usr/bin:/bin";
  int err = ENOENT;
  size_t plen = strlen(prog);
  for (const char *p = path;; ) {
    const char *end = strchrnul(p, ':');
    size_t dlen = (size_t)(end - p);
    char *cand = xrealloc(NULL, dlen + plen + 3);
    if (dlen == 0) {
      memcpy(cand, "./", 2);
      memcpy(cand + 2, prog, plen + 1);
    } else {
      memcpy(cand, p, dlen);
      cand[dlen] = '/';
      memcpy(cand + dlen + 1, prog, plen + 1);
    }
    int e = executable(dirfd, cand);
    if (e == 0) {
      *found = cand;
      return 0;
    }
    free(cand);
    if (e == EACCES) err = EACCES;
    if (*end == '\0') break;
    p = end + 1;
  }
  return err;
}

static int openin(int dirfd, const char *file, int flags) {
  int fd;
  do fd = openat(dirfd, file, flags | O_CLOEXEC, 0666);
  while (fd < 0 && errno == EINTR);
  return fd;
}

/* One request body of `len` bytes; replies S or F. */
static void start(char *body, size_t len) {
  char *fields[5];
  char *p = body, *end = body + len;
  for (int i = 0; i < 5; i++) {
    char *nul = memchr(p, '\0', (size_t)(end - p));
    if (!nul) die("pcwl-spawner: malformed request");
    fields[i] = p;
    p = nul + 1;
  }
  const char *id = fields[0], *cwd = fields[1], *in = fields[2], *outf = fields[3], *errf = fields[4];
  char *nul = memchr(p, '\0', (size_t)(end - p));
  if (!nul) die("pcwl-spawner: malformed request");
  long nenv = strtol(p, NULL, 10);
  p = nul + 1;
  /* The rest: nenv entries then argv, each NUL-terminated. */
  size_t nwords = 0;
  for (char *q = p; q < end; q += strlen(q) + 1) nwords++;
  if (nenv < 0 || (size_t)nenv >= nwords) die("pcwl-spawner: malformed request");
  char **words = xrealloc(NULL, (nwords + 2) * sizeof *words);
  size_t k = 0;
  for (char *q = p; q < end; q += strlen(q) + 1) words[k++] = q;
  /* envp = words[0 .. nenv-1] NULL; argv = words[nenv+1 .. ] NULL (shifted by one). */
  memmove(words + nenv + 1, words + nenv, (nwords - (size_t)nenv) * sizeof *words);
  words[nenv] = NULL;
  words[nwords + 1] = NULL;
  char **envp = words, **argv = words + nenv + 1;
  const char *path = NULL;
  for (long i = 0; i < nenv; i++)
    if (strncmp(envp[i], "PATH=", 5) == 0) path = envp[i] + 5;

  int dirfd = -1, fdin = -1, fdout = -1, fderr = -1;
  char *prog = NULL;
  const char *what = NULL;
  int err = 0;
  if ((dirfd = open(cwd, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
    what = "cwd", err = errno;
  } else if (faccessat(dirfd, ".", X_OK, AT_EACCESS) != 0) {
    what = "cwd", err = errno;
  } else if ((fdin = openin(dirfd, *in ? in : "/dev/null", O_RDONLY)) < 0) {
    what = "stdin", err = errno;
  } else if ((fdout = openin(dirfd, outf, O_WRONLY | O_CREAT | O_TRUNC)) < 0) {
    what = "stdout", err = errno;
  } else if (*errf && (fderr = openin(dirfd, errf, O_WRONLY | O_CREAT | O_TRUNC)) < 0) {
    what = "stderr", err = errno;
  } else if ((err = lookup(dirfd, argv[0], path, &prog)) != 0) {
    what = "program";
  }

  if (!what) {
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fdin, 0);
    posix_spawn_file_actions_adddup2(&fa, fdout, 1);
    posix_spawn_file_actions_adddup2(&fa, fderr >= 0 ? fderr : fdout, 2);
    posix_spawn_file_actions_addfchdir_np(&fa, dirfd);
#if HAVE_CLOSE_RANGE
    /* Descriptors the runner or its caller passed on without close-on-exec stop here: a tool sees
     * its stdin, stdout and stderr only (as under cwltool). */
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
    posix_spawnattr_init(&at);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t pid;
    err = posix_spawn(&pid, prog, &fa, &at, argv, envp);
    if (err == ENOEXEC) {
      /* An executable without #! runs as a /bin/sh script, as execvp (the runner's own spawns) and
       * bash's exec do: /bin/sh <program> <args...>. */
      size_t argc = 0;
      while (argv[argc]) argc++;
      char **shargv = xrealloc(NULL, (argc + 2) * sizeof *shargv);
      shargv[0] = "/bin/sh";
      shargv[1] = prog;
      memcpy(shargv + 2, argv + 1, argc * sizeof *shargv); /* argv[1..argc-1] and the NULL */
      err = posix_spawn(&pid, "/bin/sh", &fa, &at, shargv, envp);
      free(shargv);
    }
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (err == 0) {
      if (njobs == capjobs) {
        capjobs = capjobs * 2 + 16;
        jobs = xrealloc(jobs, capjobs * sizeof *jobs);
      }
      jobs[njobs].pid = pid;
      jobs[njobs].id = strdup(id);
      njobs++;
      reply("S %s %d\n", id, (int)pid);
    } else {
      what = "program"; /* the directory and the streams were checked above: exec failed */
    }
  }
  if (what) reply("F %s %s %s\n", id, what, errname(err));
  free(prog);
  free(words);
  if (dirfd >= 0) close(dirfd);
  if (fdin >= 0) close(fdin);
  if (fdout >= 0) close(fdout);
  if (fderr >= 0) close(fderr);
}

/* Reaps every child: the commands, and (as a subreaper) what they left behind, which is not reported. */
static void reap(void) {
  for (;;) {
    int st;
    struct rusage ru;
    pid_t pid = wait4(-1, &st, WNOHANG, &ru);
    if (pid <= 0) return;
    for (size_t i = 0; i < njobs; i++) {
      if (jobs[i].pid != pid) continue;
      int code = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? -WTERMSIG(st) : 255;
      long long user = (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec;
      long long sys = (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
      reply("E %s %d %lld %lld %ld\n", jobs[i].id, code, user, sys, ru.ru_maxrss);
      free(jobs[i].id);
      jobs[i] = jobs[--njobs];
      break;
    }
  }
}

/* Requests in `buf` (`*have` bytes): start each complete one; keep a partial one for later. */
static void take_requests(char **buf, size_t *cap, size_t *have) {
  size_t at = 0;
  while (*have - at >= 8) {
    char digits[9];
    memcpy(digits, *buf + at, 8);
    digits[8] = '\0';
    char *endp;
    unsigned long len = strtoul(digits, &endp, 10);
    if (*endp != '\0') die("pcwl-spawner: malformed length");
    if (*have - at - 8 < len) {
      if (len + 8 > *cap) *buf = xrealloc(*buf, *cap = len + 8 + 4096);
      break;
    }
    start(*buf + at + 8, len);
    at += 8 + len;
  }
  memmove(*buf, *buf + at, *have - at);
  *have -= at;
}

/* The runner is gone (its connection or our stdin closed, it died): nothing will stop its commands but us. */
static void kill_jobs(void) {
  for (size_t i = 0; i < njobs; i++) kill(-jobs[i].pid, SIGKILL);
}

/*
 * The loop: requests from `infd` (stdin; or, in launch mode, the one connection accepted on
 * `listener` from `runner`), SIGCHLD and `deathsig` (the runner died) through a signalfd. Ends at
 * once, killing the commands still running, when the runner closes its end or dies.
 */
static int serve(int infd, int listener, pid_t runner, int deathsig) {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGCHLD);
  if (deathsig) sigaddset(&sigs, deathsig);
  /* SIGCHLD arrives as a readable descriptor; commands get an empty mask (POSIX_SPAWN_SETSIGMASK). */
  if (sigprocmask(SIG_BLOCK, &sigs, NULL) != 0) die("pcwl-spawner: sigprocmask");
  int sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die("pcwl-spawner: signalfd");
  /* The parent may have died before the mask took effect: its death signal would be lost. */
  if (deathsig && getppid() != runner) return 0;

  size_t cap = 1 << 16, have = 0;
  char *buf = xrealloc(NULL, cap);
  for (;;) {
    /* Slot 1 is the request side: the listener until the runner connects, then the connection. */
    struct pollfd fds[2] = {{sfd, POLLIN, 0}, {infd >= 0 ? infd : listener, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      die("pcwl-spawner: poll");
    }
    if (fds[0].revents) {
      struct signalfd_siginfo si[16];
      ssize_t n;
      int died = 0;
      while ((n = read(sfd, si, sizeof si)) > 0)
        for (size_t i = 0; i < (size_t)n / sizeof si[0]; i++)
          if (deathsig && (int)si[i].ssi_signo == deathsig && getppid() != runner) died = 1;
      if (died) {
        kill_jobs();
        return 0;
      }
      reap();
    }
    if (fds[1].revents && infd < 0) {
      int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
      if (conn >= 0) {
        struct ucred cred;
        socklen_t len = sizeof cred;
        if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.pid == runner && cred.uid == getuid()) {
          infd = outfd = conn;
          close(listener); /* one runner, one connection: the name is of no further use */
          listener = -1;
        } else {
          close(conn);
        }
      }
    } else if (fds[1].revents) {
      if (cap - have < 4096) buf = xrealloc(buf, cap *= 2);
      ssize_t n = read(infd, buf + have, cap - have);
      int closed = n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN);
      if (closed) {
        /* The runner closed its end (it does so only as it exits, or died): nobody can stop the
         * commands still running or learn how they end, one whose S went out just before included. */
        kill_jobs();
        return 0;
      }
      if (n > 0) have += (size_t)n;
      take_requests(&buf, &cap, &have);
      /* A command that ended before its S was written: reap now so E follows S in order. */
      reap();
    }
    flush();
  }
  return 0;
}

/* The runner's environment: ours plus PARSL_CWL_SPAWNER_SOCKET=<name>. */
static char **with_socket_name(const char *name) {
  extern char **environ;
  size_t n = 0;
  while (environ[n]) n++;
  char **env = xrealloc(NULL, (n + 2) * sizeof *env);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (strncmp(environ[i], "PARSL_CWL_SPAWNER_SOCKET=", 25) != 0) env[k++] = environ[i];
  size_t len = strlen(name) + 26;
  env[k] = xrealloc(NULL, len);
  snprintf(env[k], len, "PARSL_CWL_SPAWNER_SOCKET=%s", name);
  env[k + 1] = NULL;
  return env;
}

static void exec_runner(char **argv, char **env) {
  extern char **environ;
  if (env) environ = env;
  execvp(argv[0], argv);
  int err = errno;
  fprintf(stderr, "parsl-cwl: cannot run %s: %s\n", argv[0], strerror(err));
  exit(err == ENOENT ? 127 : 126);
}

static int launch(char **argv) {
  pid_t runner = getpid();
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  /* An abstract name (sun_path[0] = '\0') that fills sun_path: Node 20 connects with the whole
   * sockaddr_un as the address, other clients with the name's exact length; a full-length name is
   * the same address to both. 128 random bits make it unguessable until the runner is told. */
  char name[sizeof addr.sun_path];
  const size_t namelen = sizeof addr.sun_path - 1;
  unsigned char rnd[16];
  int listener = -1;
  if (getrandom(rnd, sizeof rnd, 0) == (ssize_t)sizeof rnd) {
    size_t len = (size_t)snprintf(name, sizeof name, "parsl-cwl-spawner-%d-", (int)runner);
    for (size_t i = 0; i < sizeof rnd; i++) len += (size_t)snprintf(name + len, sizeof name - len, "%02x", rnd[i]);
    memset(name + len, '.', namelen - len);
    name[namelen] = '\0';
    memcpy(addr.sun_path + 1, name, namelen);
    listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener >= 0 && (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 4) != 0)) {
      close(listener);
      listener = -1;
    }
  }
  if (listener < 0) exec_runner(argv, NULL);
  int deathsig = SIGRTMIN + 1;
  pid_t pid = fork();
  if (pid < 0) {
    close(listener);
    exec_runner(argv, NULL);
  }
  if (pid > 0) exec_runner(argv, with_socket_name(name));
  /* The spawner. Its stdin/stdout are the runner's: let go of them (a pipe reader waiting for the
   * runner's EOF must not wait for us); stderr stays for a dying message. */
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0) {
    dup2(devnull, STDIN_FILENO);
    dup2(devnull, STDOUT_FILENO);
    close(devnull);
  }
#if HAVE_CLOSE_RANGE
  /* Nor any other descriptor the caller gave the runner (a pipe it reads to EOF, say): the listening
   * socket is all this process keeps. */
  if (listener > 3) close_range(3, (unsigned)listener - 1, 0);
  close_range((unsigned)listener + 1, ~0U, 0);
#endif
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) die("pcwl-spawner: prctl");
  if (prctl(PR_SET_PDEATHSIG, deathsig) != 0) die("pcwl-spawner: prctl");
  return serve(-1, listener, runner, deathsig);
}

int main(int argc, char **argv) {
  /* Descriptors 0-2 open (on /dev/null if they were closed, as Node does at start-up): else the
   * launch socket could land on one of them and be closed by the dup2 onto /dev/null below. */
  int fd;
  while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= STDERR_FILENO) continue;
  if (fd > STDERR_FILENO) close(fd);
  if (argc >= 2 && strcmp(argv[1], "--launch") == 0) {
    if (argc < 3) {
      fputs("usage: pcwl-spawner --launch PROGRAM [ARGS...]\n", stderr);
      return 2;
    }
    return launch(argv + 2);
  }
  if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
    puts("pcwl-spawner 3");
    return 0;
  }
  fcntl(STDIN_FILENO, F_SETFD, FD_CLOEXEC);
  fcntl(STDOUT_FILENO, F_SETFD, FD_CLOEXEC);
  signal(SIGPIPE, SIG_IGN);
  int deathsig = SIGRTMIN + 1;
  pid_t runner = getppid();
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) die("pcwl-spawner: prctl");
  if (prctl(PR_SET_PDEATHSIG, deathsig) != 0) die("pcwl-spawner: prctl");
  return serve(STDIN_FILENO, -1, runner, deathsig);
}
