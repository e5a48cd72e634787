/* SPDX-License-Identifier: GPL-2.0 */
/* errno_name(): for the VM suite's C programs, which print errors as the suite expects them. */
#ifndef ERRNO_NAME_H
#define ERRNO_NAME_H

#include <stdio.h>
#include <string.h>

/* The errno's name (ENOMEM, ...), or "errno N" if it has none. Needs _GNU_SOURCE. */
static inline const char *errno_name(int err)
{
	static char number[16];
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	snprintf(number, sizeof(number), "errno %d", err);
	return number;
}

#endif
