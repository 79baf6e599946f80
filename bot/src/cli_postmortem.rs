//! `firebreak postmortem <number> [--team T…]`: prints an incident's postmortem draft, rendered
//! from its timeline in the store with the configured template, as Markdown on stdout.

use firebreak_commands::incident::Incident;
use firebreak_commands::postmortem::draft;

use crate::config::Config;
use crate::store::SqlStore;

const USAGE: &str = "usage: firebreak postmortem <incident number> [--team <team id>]";

/// Runs the command; returns the exit code (0 printed, 1 not found or store trouble, 2 usage).
pub async fn run(args: &[String], config: &Config) -> i32 {
    let (number, team) = match parse(args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("firebreak postmortem: {message}\n{USAGE}");
            return 2;
        }
    };
    let store = match SqlStore::connect(config.database_url.expose()).await {
        Ok(store) => store,
        Err(error) => {
            eprintln!("firebreak postmortem: cannot open the database: {error:#}");
            return 1;
        }
    };
    let code = print(&store, config, number, team.as_deref()).await;
    store.close().await;
    code
}

async fn print(store: &SqlStore, config: &Config, number: i64, team: Option<&str>) -> i32 {
    let found = match store.incidents_numbered(number).await {
        Ok(found) => found,
        Err(error) => {
            eprintln!("firebreak postmortem: {error}");
            return 1;
        }
    };
    let incident = match pick(found, number, team) {
        Ok(incident) => incident,
        Err(message) => {
            eprintln!("firebreak postmortem: {message}");
            return 1;
        }
    };
    match draft(store, &config.settings, &incident, jiff::Timestamp::now()).await {
        Ok(markdown) => {
            print!("{markdown}");
            0
        }
        Err(error) => {
            eprintln!("firebreak postmortem: {error}");
            1
        }
    }
}

/// `12`, `#12`, optionally `--team T0001`.
fn parse(args: &[String]) -> Result<(i64, Option<String>), String> {
    let mut number = None;
    let mut team = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--team" => team = Some(rest.next().ok_or("--team needs a team id (T…)")?.clone()),
            text if number.is_none() => {
                let digits = text.trim_start_matches('#');
                number = Some(digits.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| format!("`{text}` is not an incident number"))?);
            }
            text => return Err(format!("unexpected argument `{text}`")),
        }
    }
    Ok((number.ok_or("which incident? give its number")?, team))
}

fn pick(found: Vec<Incident>, number: i64, team: Option<&str>) -> Result<Incident, String> {
    let mut matching: Vec<Incident> = found.into_iter().filter(|i| team.is_none_or(|t| i.team.as_str() == t)).collect();
    match matching.len() {
        0 => Err(format!("there is no incident #{number}{}", team.map(|t| format!(" in workspace {t}")).unwrap_or_default())),
        1 => Ok(matching.remove(0)),
        _ => {
            let teams: Vec<&str> = matching.iter().map(|i| i.team.as_str()).collect();
            Err(format!("incident #{number} exists in several workspaces ({}); add --team <id>", teams.join(", ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn numbers_and_teams_parse_and_bad_input_is_explained() {
        assert_eq!(parse(&args("12")), Ok((12, None)));
        assert_eq!(parse(&args("#7 --team T0001")), Ok((7, Some("T0001".into()))));
        assert!(parse(&args("")).unwrap_err().contains("which incident"));
        assert!(parse(&args("twelve")).unwrap_err().contains("`twelve` is not an incident number"));
        assert!(parse(&args("0")).is_err());
        assert!(parse(&args("12 --team")).unwrap_err().contains("--team needs"));
        assert!(parse(&args("12 13")).unwrap_err().contains("unexpected argument `13`"));
    }
}
