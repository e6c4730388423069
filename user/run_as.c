// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "run_as.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "parse.h"

static int from_passwd(const struct passwd *pw, struct run_as *who)
{
	who->uid = pw->pw_uid;
	who->gid = pw->pw_gid;
	snprintf(who->name, sizeof(who->name), "%s", pw->pw_name);
	snprintf(who->home, sizeof(who->home), "%s", pw->pw_dir);
	return 0;
}

/* A uid with or without a passwd entry; gid_text, if any, wins over the
 * entry's group. */
static int from_uid(const char *uid_text, const char *gid_text, const char *why,
		    struct run_as *who, char *err)
{
	uint32_t uid, gid;
	struct passwd *pw;

	if (parse_u32(uid_text, &uid, err))
		return errf(err, "%s: '%s' is not a uid", why, uid_text);
	pw = getpwuid(uid);
	if (pw)
		from_passwd(pw, who);
	else
		*who = (struct run_as){ .uid = uid, .gid = uid };
	if (gid_text && *gid_text) {
		if (parse_u32(gid_text, &gid, err))
			return errf(err, "%s: '%s' is not a gid", why, gid_text);
		who->gid = gid;
	}
	return 0;
}

static int from_name(const char *name, const char *why, struct run_as *who,
		     char *err)
{
	struct passwd *pw = getpwnam(name);

	if (!pw)
		return errf(err, "%s: no user '%s'", why, name);
	return from_passwd(pw, who);
}

int run_as_find(const char *user, struct run_as *who, char *err)
{
	const char *env;

	if (user && *user)
		return *user >= '0' && *user <= '9' ?
		       from_uid(user, NULL, "--user", who, err) :
		       from_name(user, "--user", who, err);
	if ((env = getenv("SUDO_UID")) && *env)
		return from_uid(env, getenv("SUDO_GID"), "SUDO_UID", who, err);
	if ((env = getenv("PKEXEC_UID")) && *env)
		return from_uid(env, NULL, "PKEXEC_UID", who, err);
	if ((env = getenv("DOAS_USER")) && *env)
		return from_name(env, "DOAS_USER", who, err);
	{
		char uid[16];

		snprintf(uid, sizeof(uid), "%u", (unsigned int)getuid());
		return from_uid(uid, NULL, "the caller", who, err);
	}
}

static int set_user_environment(const struct run_as *who, char *err)
{
	if (!who->name[0])
		return 0;
	if (setenv("HOME", who->home, 1) || setenv("USER", who->name, 1) ||
	    setenv("LOGNAME", who->name, 1))
		return errf(err, "run as %s: setenv: %s", who->name, strerror(errno));
	return 0;
}

int run_as_become(const struct run_as *who, char *err)
{
	bool other_user = who->uid != geteuid();
	int ret = who->name[0] ? initgroups(who->name, who->gid) :
				 setgroups(1, &who->gid);

	if (ret)
		return errf(err, "run as %u: set groups: %s", (unsigned int)who->uid,
			    strerror(errno));
	if (setgid(who->gid))
		return errf(err, "run as %u: setgid %u: %s", (unsigned int)who->uid,
			    (unsigned int)who->gid, strerror(errno));
	if (setuid(who->uid))
		return errf(err, "run as %u: setuid: %s", (unsigned int)who->uid,
			    strerror(errno));
	if (who->uid != 0 && setuid(0) == 0)
		return errf(err, "run as %u: root could be regained", (unsigned int)who->uid);
	return other_user ? set_user_environment(who, err) : 0;
}
