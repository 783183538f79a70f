//! `gloss media`: the project's remote-media setting and fetching media URLs
//! (`crate::io::remote_media` holds the rules).
//!
//! - `gloss media allow-remote PROJECT on|off` turns fetching `http(s)` media URLs on or off for
//!   the project (audited); `gloss media status PROJECT` shows it and the cache folder.
//! - `gloss media fetch PROJECT [--limit N]` fetches the tasks' media URLs once into the cache
//!   folder and records them; each URL that fails is listed with its task, field and reason and
//!   the others go on. As with a partial import, the exit code is 0 when the run itself worked
//!   (the failures are listed, with `--json` in `failures`); it is 1 when remote media is off.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Subcommand, ValueEnum};

use crate::io::remote_media::{DEFAULT_DOWNLOAD_TIMEOUT, RemoteFetchOptions};
use crate::prelabel::http::NetworkSettings;
use crate::{GlossError, Project};

#[derive(Debug, Subcommand)]
pub enum MediaCommand {
    /// Allow (on) or forbid (off) fetching http(s) media URLs for this project. Off by default.
    AllowRemote {
        project: PathBuf,
        #[arg(value_enum)]
        setting: OnOff,
        #[arg(long)]
        json: bool,
    },
    /// Whether remote media is allowed, and where fetched files are kept.
    Status {
        project: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Fetch the tasks' http(s) image and audio URLs into `<project stem>.media/` (only when
    /// allowed); each file is checked like a local one and recorded; task data is not changed.
    Fetch {
        project: PathBuf,
        /// Try at most N URLs this time (the rest are left for a later run).
        #[arg(long)]
        limit: Option<u32>,
        /// Bound on each whole download, in seconds.
        #[arg(long, default_value_t = DEFAULT_DOWNLOAD_TIMEOUT.as_secs())]
        timeout_secs: u64,
        /// e.g. http://proxy.example:3128 (default: HTTPS_PROXY / ALL_PROXY / HTTP_PROXY,
        /// NO_PROXY).
        #[arg(long)]
        proxy: Option<String>,
        /// A PEM file of CA certificates to trust instead of the built-in roots.
        #[arg(long)]
        ca_cert: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

impl MediaCommand {
    pub fn json(&self) -> bool {
        match self {
            MediaCommand::AllowRemote { json, .. }
            | MediaCommand::Status { json, .. }
            | MediaCommand::Fetch { json, .. } => *json,
        }
    }
}

/// Runs a `gloss media` command: the JSON document and the human text.
pub fn media_command(
    command: &MediaCommand,
    actor: &str,
) -> Result<(serde_json::Value, String), GlossError> {
    match command {
        MediaCommand::AllowRemote {
            project, setting, ..
        } => {
            let allowed = *setting == OnOff::On;
            let status = Project::open(project)?.set_remote_media_allowed(allowed, actor)?;
            let human = if allowed {
                format!(
                    "remote media is on for {}: `gloss media fetch` downloads media URLs into {}",
                    project.display(),
                    status.cache_dir
                )
            } else {
                format!(
                    "remote media is off for {}: no URL will be fetched (files already fetched \
                     stay)",
                    project.display()
                )
            };
            Ok((to_json(&status), human))
        }
        MediaCommand::Status { project, .. } => {
            let status = Project::open(project)?.remote_media_status()?;
            let human = format!(
                "remote media is {} ({})",
                if status.allowed { "on" } else { "off" },
                status.cache_dir
            );
            Ok((to_json(&status), human))
        }
        MediaCommand::Fetch {
            project,
            limit,
            timeout_secs,
            proxy,
            ca_cert,
            ..
        } => {
            let options = RemoteFetchOptions {
                limit: *limit,
                task_id: None,
                network: NetworkSettings {
                    timeout: Duration::from_secs((*timeout_secs).max(1)),
                    proxy: proxy.clone(),
                    ca_certificate_file: ca_cert.clone(),
                },
            };
            let report = Project::open(project)?.fetch_remote_media(&options, actor)?;
            let mut human = format!(
                "fetched {}, reused {} from the cache, {} already local, {} left for later, {} \
                 failed",
                report.fetched,
                report.reused,
                report.already_local,
                report.left_for_later,
                report.failures.len()
            );
            for failure in &report.failures {
                human.push_str(&format!(
                    "\n  task {} \"{}\": {}: {}",
                    failure.task_id, failure.field, failure.url, failure.reason
                ));
            }
            Ok((to_json(&report), human))
        }
    }
}

fn to_json(value: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}
