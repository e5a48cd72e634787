// SPDX-License-Identifier: GPL-2.0
/*
 * write-lines FILE: for each line of stdin, in order, opens FILE for writing, writes the line's
 * bytes (without its newline) in one write(2), closes FILE and prints the outcome on a line of its
 * own: OK, SHORT N (N bytes written of more), or the errno's name (ESRCH, EINVAL, ...). The line
 * may spell bytes as printf(1) does: \\, \n, \r, \t, \0 and \NNN (octal, up to 3 digits), \xHH
 * (two hex digits); any other backslash, or an octal value past one byte, is an error (exit
 * status 2), not a guess.
 *
 * With WITHOUT_CAP_KILL set (not empty) in the environment, the caller meant to drop CAP_KILL
 * (setpriv): if the process still has it in its effective set, it prints NO_DROP and writes
 * nothing.
 *
 * One process writes every line: under emulation (TCG) a program's start is what costs, and the
 * tests/vm-tests cases send up to dozens of commands each.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "errno-name.h"

#define CAP_KILL 5

/* Is CAP_KILL in this process's effective set (CapEff in /proc/self/status)? */
static int has_cap_kill(void)
{
	FILE *status = fopen("/proc/self/status", "r");
	unsigned long long effective = ~0ULL;
	char line[256];

	if (!status) {
		perror("write-lines: /proc/self/status");
		exit(2);
	}
	while (fgets(line, sizeof(line), status))
		if (sscanf(line, "CapEff: %llx", &effective) == 1)
			break;
	fclose(status);
	return (effective >> CAP_KILL) & 1;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes the escapes of `line` (`length` bytes) into `bytes` (room for `length`); returns the
 * decoded length, or -1 for an escape it does not know.
 */
static ssize_t unescape(const char *line, size_t length, char *bytes)
{
	size_t in = 0, out = 0;

	while (in < length) {
		char c = line[in++];
		int value, digits, high, low;

		if (c != '\\') {
			bytes[out++] = c;
			continue;
		}
		if (in == length)
			return -1;
		c = line[in++];
		switch (c) {
		case '\\': bytes[out++] = '\\'; break;
		case 'n': bytes[out++] = '\n'; break;
		case 'r': bytes[out++] = '\r'; break;
		case 't': bytes[out++] = '\t'; break;
		case 'x':
			if (length - in < 2 || (high = hex_digit(line[in])) < 0 ||
			    (low = hex_digit(line[in + 1])) < 0)
				return -1;
			bytes[out++] = (char)(high << 4 | low);
			in += 2;
			break;
		default:
			if (c < '0' || c > '7')
				return -1;
			value = c - '0';
			for (digits = 1; digits < 3 && in < length && line[in] >= '0' && line[in] <= '7'; digits++)
				value = value * 8 + (line[in++] - '0');
			/* (One byte: \400 and above are not.) */
			if (value > 0377)
				return -1;
			bytes[out++] = (char)value;
		}
	}
	return (ssize_t)out;
}

int main(int argc, char **argv)
{
	char *line = NULL, *bytes = NULL;
	const char *without_cap_kill = getenv("WITHOUT_CAP_KILL");
	size_t capacity = 0, bytes_capacity = 0;
	ssize_t length;

	if (argc != 2) {
		fprintf(stderr, "usage: write-lines FILE <lines\n");
		return 2;
	}
	if (without_cap_kill && *without_cap_kill && has_cap_kill()) {
		puts("NO_DROP");
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((length = getline(&line, &capacity, stdin)) >= 0) {
		ssize_t size, written;
		int fd;

		if (length > 0 && line[length - 1] == '\n')
			length--;
		if (capacity > bytes_capacity) {
			bytes = realloc(bytes, capacity);
			if (!bytes) {
				perror("write-lines");
				return 2;
			}
			bytes_capacity = capacity;
		}
		size = unescape(line, (size_t)length, bytes);
		if (size < 0) {
			fprintf(stderr,
				"write-lines: an escape other than \\\\, \\n, \\r, \\t, \\NNN (up to \\377) or \\xHH in: %.*s\n",
				(int)length, line);
			return 2;
		}
		fd = open(argv[1], O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			puts(errno_name(errno));
			continue;
		}
		written = write(fd, bytes, (size_t)size);
		if (written < 0)
			puts(errno_name(errno));
		else if (written == size)
			puts("OK");
		else
			printf("SHORT %zd\n", written);
		close(fd);
	}
	free(line);
	free(bytes);
	return 0;
}
