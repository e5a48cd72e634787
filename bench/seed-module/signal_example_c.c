// SPDX-License-Identifier: GPL-2.0
/*
 * The seed 002 C module, ported to Linux 7.3 as little as possible, as the baseline of
 * `make bench`. Changed only where 7.3 forces it: the braces the seed's web page lost,
 * `struct kernel_siginfo` (was `struct siginfo`), `pid_task(find_vpid())` under RCU (modules
 * cannot call `find_task_by_vpid()`), and the module boilerplate. Its bugs are kept on purpose:
 * unchecked copy_from_user(), sscanf() on an unterminated buffer, -ENODEV for a missing task.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/signal.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/pid.h>
#include <linux/debugfs.h>
#include <linux/uaccess.h>

#define SIG_TEST 44

static struct dentry *file;

static ssize_t write_pid(struct file *file, const char __user *buf,
			 size_t count, loff_t *ppos)
{
	char mybuf[10];
	int pid = 0;
	int ret;
	struct kernel_siginfo info;
	struct task_struct *t;

	if (count > 10)
		return -EINVAL;
	if (copy_from_user(mybuf, buf, count)) {
		/* The seed ignores the result; 7.3's __must_check makes that a build warning. */
	}
	sscanf(mybuf, "%d", &pid);
	printk("pid = %d\n", pid);
	memset(&info, 0, sizeof(struct kernel_siginfo));
	info.si_signo = SIG_TEST;
	info.si_code = SI_QUEUE;
	info.si_int = 1234;
	rcu_read_lock();
	t = pid_task(find_vpid(pid), PIDTYPE_PID);
	if (t == NULL) {
		rcu_read_unlock();
		printk("no such pid\n");
		return -ENODEV;
	}
	ret = send_sig_info(SIG_TEST, &info, t);
	rcu_read_unlock();
	if (ret < 0) {
		printk("error sending signal\n");
		return ret;
	}
	return count;
}

static const struct file_operations my_fops = {
	.owner = THIS_MODULE,
	.write = write_pid,
};

static int __init signalexample_module_init(void)
{
	file = debugfs_create_file("signalconfpid", 0200, NULL, NULL, &my_fops);
	return 0;
}

static void __exit signalexample_module_exit(void)
{
	debugfs_remove(file);
}

module_init(signalexample_module_init);
module_exit(signalexample_module_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("The seed's C signal example, for benchmarks");
