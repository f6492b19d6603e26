/*
 * pcwl-spawner: one long-lived process that starts CWL tool commands (CWL v1.2 §Execution) with
 * posix_spawn (vfork semantics: no copy of the page tables), many at once. Built by
 * scripts/buildSpawner.ts; used by src/cwl/execution/nativeSpawner.ts. See docs/tool-start.md.
 *
 * Requests on stdin, one per job: 8 ASCII decimal digits giving the length in bytes of the body,
 * then the body: NUL-terminated fields
 *   id, kind, cwd, stdin ("" = /dev/null), stdout, stderr ("" = the stdout file), the number of
 *   environment entries (decimal), that many NAME=VALUE entries, then the words: for kind "x" the
 *   argv (at least one word), for kind "q" one bash script.
 * Kind "q" (an HTEX worker's bash tasks) runs `bash -c SCRIPT` queued behind the earlier "q" jobs,
 * without exec'ing a bash: one long-lived bash of ours (the "fork server") forks a subshell in its
 * own process group per job, which enters cwd, redirects the streams and evals the script; the jobs
 * run one after the other, in the order sent, with no round trip to the runner between two. An
 * exec of bash pays its dynamic loading and start-up on every command, several times a fork of a
 * small bash (figures in docs/tool-start.md). In the subshell $$ and $PPID name the fork server ($BASHPID the job), and
 * no rusage is known (reported as 0). The server is started with the environment of its first job
 * (so bash parses it, and loads its locale, once); a job with another one has the exported
 * variables replaced in its subshell.
 * Replies on stdout, one line each:
 *   S <id> <pid>            the command started (it leads its own process group)
 *   F <id> <what> <errno>   it could not start; what = cwd | stdin | stdout | stderr | program
 *   E <id> <code> <user_us> <sys_us> <maxrss_kb> <left>
 *                           it ended: its exit code, or minus the number of the signal that killed
 *                           it; its rusage (wait4: CPU in microseconds, peak RSS in KiB); and 1 when
 *                           something it started still runs in its process group, else 0
 * The spawner is a child subreaper: what a command leaves running is re-parented to it and reaped
 * here, so a command's process group empties as soon as its members die (PID 1 of a container may
 * never reap them). When its stdin closes or its parent dies (PR_SET_PDEATHSIG) the runner is gone
 * and nobody could stop the commands or hear how they ended: it SIGKILLs every running command's
 * process group and exits. Its own environment never reaches a command: each one gets exactly the
 * entries of its request.
 *
 * Launch mode, `pcwl-spawner --launch PROGRAM ARGS...` (what bin/parsl-cwl runs): the spawner is
 * started BEFORE the Node runner, so a run never forks Node (a fork of the large runner costs
 * several times a posix_spawn from this small process: docs/tool-start.md). It binds a listening Unix socket with a
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

/* The bash fork server (at most one: "q" jobs run in order): runs its jobs one at a time; `task`
 * is the first one's subshell once it said S. */
struct server {
  pid_t pid;
  int in, out;
  char *buf;
  size_t have, cap;
  char **ids; /* the jobs written to it and not ended, the running one first */
  size_t nids, capids;
  char *wbuf; /* records not written yet (its stdin pipe was full) */
  size_t wlen;
  pid_t task;
  /* The environment it was started with (NUL-terminated entries, back to back): a job with the
   * same one inherits it as it is, which spares bash parsing it (and loading a locale) per job. */
  char *env;
  size_t envlen;
};

static struct server *servers;
static size_t nservers;

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

/* Appends `word` to `*rec` as a bash single-quoted word: exact for every byte but NUL. */
static void quote(char **rec, size_t *len, size_t *cap, const char *word) {
  size_t need = *len + 4 * strlen(word) + 4;
  if (need > *cap) *rec = xrealloc(*rec, *cap = need * 2);
  char *q = *rec + *len;
  *q++ = '\'';
  for (const char *w = word; *w; w++) {
    if (*w == '\'') {
      memcpy(q, "'\\''", 4);
      q += 4;
    } else {
      *q++ = *w;
    }
  }
  *q++ = '\'';
  *q++ = ' ';
  *len = (size_t)(q - *rec);
}

static void append(char **rec, size_t *len, size_t *cap, const char *text) {
  size_t n = strlen(text);
  if (*len + n + 1 > *cap) *rec = xrealloc(*rec, *cap = (*len + n + 1) * 2);
  memcpy(*rec + *len, text, n);
  *len += n;
}

/*
 * The fork server's loop. A record is its length (8 digits) and bash assignments read with two
 * `read -N` (one read(2) each; `read -d ''` reads a pipe a byte at a time). `set -m` gives each
 * subshell its own process group; the subshell turns it off again for the script.
 */
static const char SERVER_LOOP[] =
    "set -m\n"
    "while IFS= read -r -N 8 __p_n && IFS= read -r -N \"$((10#$__p_n))\" __p_r; do\n"
    "  eval \"$__p_r\"\n"
    "  (\n"
    "    set +m\n"
    "    cd -- \"$__p_c\" && exec <\"$__p_i\" >\"$__p_o\" || exit 127\n"
    "    if [ \"$__p_e\" = '&1' ]; then exec 2>&1; else exec 2>\"$__p_e\" || exit 127; fi\n"
    "    if [ \"$__p_x\" = 1 ]; then\n"
    "      for __p_kv in $(compgen -e); do unset \"$__p_kv\"; done 2>/dev/null\n"
    "      for __p_kv in \"${__p_v[@]}\"; do export \"$__p_kv\" 2>/dev/null; done\n"
    "    fi\n"
    "    unset __p_n __p_r __p_c __p_i __p_o __p_e __p_v __p_x __p_kv\n"
    "    eval \"$__p_s\"\n"
    "  ) &\n"
    "  __p_t=$!\n"
    "  printf 'S %s\\n' \"$__p_t\"\n"
    "  wait \"$__p_t\"\n"
    "  printf 'E %s %s\\n' \"$__p_t\" \"$?\"\n"
    "done\n";

/* Starts a fork server with environment `envp` (`env`, `envlen`: the same entries back to back):
 * its own process group, stderr on /dev/null (job control notices land there; a script's own go to
 * its files). 0 or an errno. */
static int start_server(struct server *sv, char **envp, const char *env, size_t envlen) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) return errno;
  if (pipe2(out, O_CLOEXEC) != 0) {
    int e = errno;
    close(in[0]);
    close(in[1]);
    return e;
  }
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_init(&at);
  posix_spawnattr_setpgroup(&at, 0);
  posix_spawnattr_setsigdefault(&at, &all);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  char *argv[] = {"bash", "--noprofile", "--norc", "-c", (char *)SERVER_LOOP, NULL};
  int err = posix_spawn(&sv->pid, "/bin/bash", &fa, &at, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  close(in[0]);
  close(out[1]);
  if (err != 0) {
    close(in[1]);
    close(out[0]);
    return err;
  }
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  sv->in = in[1];
  sv->out = out[0];
  sv->buf = NULL;
  sv->have = sv->cap = 0;
  sv->ids = NULL;
  sv->nids = sv->capids = 0;
  sv->wbuf = NULL;
  sv->wlen = 0;
  sv->task = 0;
  sv->env = xrealloc(NULL, envlen + 1);
  memcpy(sv->env, env, envlen);
  sv->envlen = envlen;
  return 0;
}

/* Writes what is pending to a server's stdin. 0, or an errno (the server died: its EOF on out
 * removes it). */
static int server_write(struct server *sv) {
  size_t done = 0;
  while (done < sv->wlen) {
    ssize_t w = write(sv->in, sv->wbuf + done, sv->wlen - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) break;
    if (w < 0) return errno;
    done += (size_t)w;
  }
  memmove(sv->wbuf, sv->wbuf + done, sv->wlen - done);
  sv->wlen -= done;
  return 0;
}

/* Queues a "q" job in the fork server (started if there is none). 0 or an errno. */
static int run_in_server(const char *id, const char *cwd, const char *in, const char *outf, const char *errf, char **envp, const char *script) {
  /* The entries lie back to back in the request: envp[0] up to the end of the last one. */
  const char *env = envp[0] ? envp[0] : "";
  size_t envlen = 0;
  for (char **e = envp; *e; e++) envlen = (size_t)(*e - env) + strlen(*e) + 1;
  if (nservers == 0) {
    servers = xrealloc(servers, sizeof *servers);
    int err = start_server(&servers[0], envp, env, envlen);
    if (err != 0) return err;
    nservers = 1;
  }
  struct server *sv = &servers[0];
  int same = sv->envlen == envlen && memcmp(sv->env, env, envlen) == 0;
  size_t len = 8, cap = 4096;
  char *rec = xrealloc(NULL, cap);
  append(&rec, &len, &cap, "__p_c=");
  quote(&rec, &len, &cap, cwd);
  append(&rec, &len, &cap, "__p_i=");
  quote(&rec, &len, &cap, *in ? in : "/dev/null");
  append(&rec, &len, &cap, "__p_o=");
  quote(&rec, &len, &cap, outf);
  append(&rec, &len, &cap, "__p_e=");
  quote(&rec, &len, &cap, *errf ? errf : "&1");
  if (same) {
    append(&rec, &len, &cap, "__p_x=0 __p_s=");
  } else {
    append(&rec, &len, &cap, "__p_x=1 __p_v=( ");
    for (char **e = envp; *e; e++) quote(&rec, &len, &cap, *e);
    append(&rec, &len, &cap, ") __p_s=");
  }
  quote(&rec, &len, &cap, script);
  append(&rec, &len, &cap, "\n");
  char digits[16];
  snprintf(digits, sizeof digits, "%08zu", len - 8);
  memcpy(rec, digits, 8);
  /* Written as far as the pipe takes it; the rest when it has room (POLLOUT), never blocking. */
  sv->wbuf = xrealloc(sv->wbuf, sv->wlen + len);
  memcpy(sv->wbuf + sv->wlen, rec, len);
  sv->wlen += len;
  free(rec);
  int err = server_write(sv);
  if (err == 0) {
    if (sv->nids == sv->capids) sv->ids = xrealloc(sv->ids, (sv->capids = sv->capids * 2 + 4) * sizeof *sv->ids);
    sv->ids[sv->nids++] = strdup(id);
  }
  return err;
}

/* A fork server said something, or its output ended (it died). */
static void server_output(size_t k) {
  struct server *sv = &servers[k];
  for (;;) {
    if (sv->cap - sv->have < 256) sv->buf = xrealloc(sv->buf, sv->cap = sv->cap * 2 + 256);
    ssize_t n = read(sv->out, sv->buf + sv->have, sv->cap - sv->have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) {
      /* It died (killed, or bash itself failed): its job, started or not, ended with it. */
      if (sv->task > 0) kill(-sv->task, SIGKILL);
      for (size_t i = 0; i < sv->nids; i++) {
        if (i == 0 && sv->task > 0) reply("E %s -%d 0 0 0 %d\n", sv->ids[0], SIGKILL, kill(-sv->task, 0) == 0);
        else reply("F %s program ECHILD\n", sv->ids[i]);
        free(sv->ids[i]);
      }
      free(sv->ids);
      free(sv->wbuf);
      free(sv->buf);
      free(sv->env);
      close(sv->in);
      close(sv->out);
      kill(sv->pid, SIGKILL);
      servers[k] = servers[--nservers];
      return;
    }
    sv->have += (size_t)n;
  }
  char *line = sv->buf, *nl;
  while ((nl = memchr(line, '\n', sv->have - (size_t)(line - sv->buf)))) {
    *nl = '\0';
    long pid = 0, status = 0;
    if (sv->nids > 0 && sscanf(line, "S %ld", &pid) == 1) {
      sv->task = (pid_t)pid;
      reply("S %s %ld\n", sv->ids[0], pid);
    } else if (sv->nids > 0 && sscanf(line, "E %ld %ld", &pid, &status) == 2) {
      /* bash reports a death by signal n as 128 + n */
      int left = kill(-(pid_t)pid, 0) == 0;
      if (status > 128 && status < 128 + 65) reply("E %s -%ld 0 0 0 %d\n", sv->ids[0], status - 128, left);
      else reply("E %s %ld 0 0 0 %d\n", sv->ids[0], status, left);
      free(sv->ids[0]);
      memmove(sv->ids, sv->ids + 1, --sv->nids * sizeof *sv->ids);
      sv->task = 0;
    }
    line = nl + 1;
  }
  sv->have -= (size_t)(line - sv->buf);
  memmove(sv->buf, line, sv->have);
}

/* One request body of `len` bytes; replies S or F. */
static void start(char *body, size_t len) {
  char *fields[6];
  char *p = body, *end = body + len;
  for (int i = 0; i < 6; i++) {
    char *nul = memchr(p, '\0', (size_t)(end - p));
    if (!nul) die("pcwl-spawner: malformed request");
    fields[i] = p;
    p = nul + 1;
  }
  const char *id = fields[0], *cwd = fields[2], *in = fields[3], *outf = fields[4], *errf = fields[5];
  int bash = strcmp(fields[1], "q") == 0;
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
  } else if (!bash && (err = lookup(dirfd, argv[0], path, &prog)) != 0) {
    what = "program";
  }

  if (!what && bash) {
    /* The checks above opened (and truncated) the files; the subshell opens them again by name. */
    err = run_in_server(id, cwd, in, outf, errf, envp, argv[0]);
    if (err != 0) what = "program";
  } else if (!what) {
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
      reply("E %s %d %lld %lld %ld %d\n", jobs[i].id, code, user, sys, ru.ru_maxrss, kill(-pid, 0) == 0);
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
  for (size_t i = 0; i < nservers; i++) {
    if (servers[i].task > 0) kill(-servers[i].task, SIGKILL);
    kill(servers[i].pid, SIGKILL);
  }
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
  struct pollfd *fds = NULL;
  for (;;) {
    /* Slot 1 is the request side: the listener until the runner connects, then the connection;
     * then the fork servers' outputs. */
    size_t nfds = 2 + 2 * nservers;
    fds = xrealloc(fds, nfds * sizeof *fds);
    fds[0] = (struct pollfd){sfd, POLLIN, 0};
    fds[1] = (struct pollfd){infd >= 0 ? infd : listener, POLLIN, 0};
    for (size_t i = 0; i < nservers; i++) {
      fds[2 + 2 * i] = (struct pollfd){servers[i].out, POLLIN, 0};
      fds[3 + 2 * i] = (struct pollfd){servers[i].wlen > 0 ? servers[i].in : -1, POLLOUT, 0};
    }
    if (poll(fds, nfds, -1) < 0) {
      if (errno == EINTR) continue;
      die("pcwl-spawner: poll");
    }
    /* From the last: server_output may remove a server (the last one takes its place). */
    for (size_t i = nservers; i-- > 0;) {
      if (fds[3 + 2 * i].revents) server_write(&servers[i]);
      if (fds[2 + 2 * i].revents) server_output(i);
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
