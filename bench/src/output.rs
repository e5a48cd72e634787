//! What the benchmarks report: one JSON object per method, with its ratios to the references.

use std::io;

use serde::Serialize;

use crate::method::Method;
use crate::stats::median;

/// A benchmark's figure, under the name that `bench/report` reads for that benchmark; `null`
/// when there were no batches.
#[derive(Serialize)]
pub(crate) enum Figure {
    #[serde(rename = "ns_per_signal")]
    NsPerSignal(Option<f64>),
    #[serde(rename = "p50_ns")]
    P50Ns(Option<f64>),
    #[serde(rename = "signals_per_s")]
    SignalsPerS(Option<f64>),
}

/// What every benchmark reports per method. Each is printed as one JSON object on a line of its
/// own: `bench/run-in-vm` tags each line, inserting fields before its closing brace.
#[derive(Serialize)]
pub(crate) struct Summary {
    bench: String,
    method: Method,
    batches: usize,
    #[serde(flatten)]
    figure: Figure,
    /// Absent when sigqueue was not measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    ratio_to_sigqueue: Option<f64>,
    /// Absent when pidfd_send_signal was not measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    ratio_to_pidfd: Option<f64>,
    /// Absent when rt_tgsigqueueinfo was not measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    ratio_to_tgsigqueue: Option<f64>,
    /// To `ioctl_floor`'s figure; absent when one of its three was not measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    ratio_to_ioctl_floor: Option<f64>,
    /// To `write_floor`'s figure; absent when one of its three was not measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    ratio_to_write_floor: Option<f64>,
}

#[derive(Serialize)]
pub(crate) struct PingpongSummary {
    #[serde(flatten)]
    pub(crate) summary: Summary,
    pub(crate) p99_ns: Option<f64>,
}

#[derive(Serialize)]
pub(crate) struct ThroughputSummary {
    #[serde(flatten)]
    pub(crate) summary: Summary,
    pub(crate) accepted: u64,
    pub(crate) received: u64,
    pub(crate) eagain: u64,
}

#[derive(Serialize)]
pub(crate) struct FanoutSummary {
    #[serde(flatten)]
    pub(crate) summary: Summary,
    pub(crate) delivered_ns_per_signal: Option<f64>,
    pub(crate) sent: usize,
    pub(crate) received: usize,
}

/// A floor per batch: `rt_tgsigqueueinfo`'s figure plus what the call that `refused` makes costs
/// over an empty system call (`Nosys`), each in that batch; `None` unless all three were measured.
/// `rt_tgsigqueueinfo` sends the module's signal in one system call: with `Enotty`, that is the
/// least that an ioctl sending it can cost (`ioctl_floor`); with `Einval`, a write (`write_floor`).
fn floor(methods: &[Method], figures: &[Vec<f64>], refused: Method) -> Option<Vec<f64>> {
    let of = |method| Some(&figures[methods.iter().position(|&m| m == method)?]);
    let (send, refused, empty) = (of(Method::Tgsigqueue)?, of(refused)?, of(Method::Nosys)?);
    Some(
        send.iter()
            .zip(refused)
            .zip(empty)
            .map(|((send, refused), empty)| send + refused - empty)
            .collect(),
    )
}

/// Per method: the median over batches of its figure, and of its ratio to sigqueue's,
/// pidfd_send_signal's and rt_tgsigqueueinfo's figure and to the two floors in the same batch,
/// for those measured. Alternating methods batch by batch cancels the slow drift of a shared host.
pub(crate) fn summarise(
    bench: &str,
    methods: &[Method],
    figures: &[Vec<f64>],
    figure: fn(Option<f64>) -> Figure,
) -> Vec<Summary> {
    let ratio = |values: &[f64], reference: &[f64]| {
        let ratios: Vec<f64> = values.iter().zip(reference).map(|(v, r)| v / r).collect();
        median(&ratios)
    };
    let ratio_to = |values: &[f64], reference: Method| {
        let r = methods.iter().position(|&m| m == reference)?;
        ratio(values, &figures[r])
    };
    let ioctl_floor = floor(methods, figures, Method::Enotty);
    let write_floor = floor(methods, figures, Method::Einval);
    methods
        .iter()
        .zip(figures)
        .map(|(&method, values)| Summary {
            bench: bench.to_owned(),
            method,
            batches: values.len(),
            figure: figure(median(values)),
            ratio_to_sigqueue: ratio_to(values, Method::Sigqueue),
            ratio_to_pidfd: ratio_to(values, Method::Pidfd),
            ratio_to_tgsigqueue: ratio_to(values, Method::Tgsigqueue),
            ratio_to_ioctl_floor: ioctl_floor.as_ref().and_then(|f| ratio(values, f)),
            ratio_to_write_floor: write_floor.as_ref().and_then(|f| ratio(values, f)),
        })
        .collect()
}

/// Each of `objects` as JSON on one line.
pub(crate) fn json_lines(objects: &[impl Serialize]) -> io::Result<Vec<String>> {
    objects
        .iter()
        .map(|object| serde_json::to_string(object).map_err(io::Error::from))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::method::Method;

    #[test]
    fn summary_has_the_fields_that_the_report_reads() {
        let methods = [Method::Debugfs, Method::Sigqueue];
        let figures = [vec![3.0, 8.0], vec![2.0, 4.0]];
        let summaries: Vec<PingpongSummary> =
            summarise("pingpong", &methods, &figures, Figure::P50Ns)
                .into_iter()
                .map(|summary| PingpongSummary {
                    summary,
                    p99_ns: Some(9.0),
                })
                .collect();
        assert_eq!(
            json_lines(&summaries).unwrap(),
            [
                r#"{"bench":"pingpong","method":"Debugfs","batches":2,"p50_ns":8.0,"ratio_to_sigqueue":2.0,"p99_ns":9.0}"#,
                r#"{"bench":"pingpong","method":"Sigqueue","batches":2,"p50_ns":4.0,"ratio_to_sigqueue":1.0,"p99_ns":9.0}"#,
            ]
        );
    }

    #[test]
    fn summary_of_no_batches_has_no_figure() {
        let lines = json_lines(&summarise(
            "self",
            &[Method::Pidfd],
            &[vec![]],
            Figure::NsPerSignal,
        ))
        .unwrap();
        assert_eq!(
            lines,
            [r#"{"bench":"self","method":"Pidfd","batches":0,"ns_per_signal":null}"#]
        );
    }

    #[test]
    fn floors_are_the_limit_plus_a_dispatch_over_an_empty_call() {
        let methods = [
            Method::Ioctl,
            Method::Debugfs,
            Method::Tgsigqueue,
            Method::Enotty,
            Method::Einval,
            Method::Nosys,
        ];
        // Two batches; in each, the ioctl is 1.1x and the write 1.2x their floors, whatever
        // the batch's speed.
        let figures = [
            vec![121.0, 242.0],
            vec![144.0, 288.0],
            vec![100.0, 200.0],
            vec![20.0, 40.0],
            vec![30.0, 60.0],
            vec![10.0, 20.0],
        ];
        let summaries = summarise("self", &methods, &figures, Figure::NsPerSignal);
        let ratios = |s: &Summary| (s.ratio_to_ioctl_floor, s.ratio_to_write_floor);
        assert_eq!(ratios(&summaries[0]), (Some(1.1), Some(121.0 / 120.0)));
        assert_eq!(ratios(&summaries[1]), (Some(144.0 / 110.0), Some(1.2)));
        // Without the empty system call, neither floor is known.
        let summaries = summarise("self", &methods[..5], &figures[..5], Figure::NsPerSignal);
        assert_eq!(ratios(&summaries[0]), (None, None));
    }
}
