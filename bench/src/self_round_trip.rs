//! `self`: a process signals itself (or, for a floor, makes a call that is refused).

use std::io;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use crate::method::Method;
use crate::os::{install_counting_handler, HANDLED};
use crate::output::{json_lines, summarise, Figure};
use crate::sender::{Files, Sender};

pub(crate) fn self_round_trip(
    methods: &[Method],
    files: &Files,
    batches: usize,
    batch: u64,
) -> io::Result<Vec<String>> {
    install_counting_handler()?;
    // SAFETY: trivial getter.
    let me = unsafe { libc::getpid() };
    let mut senders = methods
        .iter()
        .map(|&m| Sender::new(m, files, me))
        .collect::<io::Result<Vec<_>>>()?;
    let mut figures = vec![Vec::with_capacity(batches); methods.len()];
    let mut handled = 0;
    for _ in 0..batches {
        for ((sender, figure), method) in senders.iter_mut().zip(&mut figures).zip(methods) {
            let start = Instant::now();
            for _ in 0..batch {
                if !sender.send()? {
                    return Err(io::Error::other("EAGAIN while signalling ourselves"));
                }
                // The signal is delivered on the way back from the sending system call; a floor's
                // call sends none.
                handled += u64::from(method.signals());
                if HANDLED.load(Relaxed) != handled {
                    return Err(io::Error::other(format!(
                        "handler ran {} times after {handled} signals",
                        HANDLED.load(Relaxed)
                    )));
                }
            }
            figure.push(start.elapsed().as_nanos() as f64 / batch as f64);
        }
    }
    json_lines(&summarise("self", methods, &figures, Figure::NsPerSignal))
}
