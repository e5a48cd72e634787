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

/// Per method: the median over batches of its figure, and of its ratio to sigqueue's,
/// pidfd_send_signal's and rt_tgsigqueueinfo's figure in the same batch, for those measured.
/// Alternating methods batch by batch cancels the slow drift of a shared host.
pub(crate) fn summarise(
    bench: &str,
    methods: &[Method],
    figures: &[Vec<f64>],
    figure: fn(Option<f64>) -> Figure,
) -> Vec<Summary> {
    let ratio_to = |values: &[f64], reference: Method| {
        let r = methods.iter().position(|&m| m == reference)?;
        let ratios: Vec<f64> = values.iter().zip(&figures[r]).map(|(v, r)| v / r).collect();
        median(&ratios)
    };
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
}
