//! The `[postmortem]` section: an operator's own template folder, checked at start-up so a
//! broken template is reported with its file and line before an incident needs it.

use std::path::{Path, PathBuf};

use firebreak_commands::postmortem::{render, Postmortem};
use serde::Deserialize;

/// The file Firebreak reads from the template folder.
pub const TEMPLATE_FILE: &str = "postmortem.md.j2";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostmortemSection {
    /// Folder holding `postmortem.md.j2`; relative paths start at the configuration file's
    /// folder. Unset: the built-in template (`templates/postmortem.md.j2`).
    pub template_dir: Option<PathBuf>,
}

/// Reads and test-renders the template; `Err((field, reason))` names the file and line.
pub fn load_template(section: &PostmortemSection, config_path: &Path) -> Result<Option<String>, (String, String)> {
    let Some(dir) = &section.template_dir else {
        return Ok(None);
    };
    let field = "postmortem.template_dir".to_owned();
    let base = config_path.parent().unwrap_or(Path::new("."));
    let file = base.join(dir).join(TEMPLATE_FILE);
    let shown = file.display().to_string();
    let source = std::fs::read_to_string(&file).map_err(|error| (field.clone(), format!("cannot read {shown}: {error}")))?;
    render(&source, &Postmortem::sample()).map_err(|error| {
        let at = error.line.map(|line| format!(" line {line}")).unwrap_or_default();
        (field, format!("{shown}{at}: {}", error.message))
    })?;
    Ok(Some(source))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder holding `pm/postmortem.md.j2` (left in the temp dir; it is tiny).
    fn folder_with(template: &str) -> Folder {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("firebreak-template-{}-{n}", std::process::id()));
        std::fs::create_dir_all(dir.join("pm")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join("pm").join(TEMPLATE_FILE), template).unwrap_or_else(|e| panic!("{e}"));
        Folder(dir)
    }

    struct Folder(PathBuf);

    impl Folder {
        fn path(&self) -> &Path {
            &self.0
        }
    }

    #[test]
    fn a_template_folder_is_read_relative_to_the_config_file() {
        let dir = folder_with("# PM {{ number }}: {{ title }}\n");
        let section = PostmortemSection { template_dir: Some("pm".into()) };
        let loaded = load_template(&section, &dir.path().join("firebreak.toml"));
        assert_eq!(loaded, Ok(Some("# PM {{ number }}: {{ title }}\n".to_owned())));
        assert_eq!(load_template(&PostmortemSection::default(), &dir.path().join("firebreak.toml")), Ok(None));
    }

    #[test]
    fn a_broken_template_is_refused_naming_file_and_line() {
        let dir = folder_with("# PM\n\n{{ title | no_such_filter }}\n");
        let section = PostmortemSection { template_dir: Some("pm".into()) };
        let (field, reason) = load_template(&section, &dir.path().join("firebreak.toml")).err().unwrap_or_else(|| panic!("accepted"));
        assert_eq!(field, "postmortem.template_dir");
        assert!(reason.contains("pm/postmortem.md.j2 line 3:"), "{reason}");
        let syntax = folder_with("{% if %}\n");
        let reason = load_template(&section, &syntax.path().join("firebreak.toml")).err().map(|e| e.1).unwrap_or_default();
        assert!(reason.contains("line 1:"), "{reason}");
        let missing = PostmortemSection { template_dir: Some("nowhere".into()) };
        let reason = load_template(&missing, &dir.path().join("firebreak.toml")).err().map(|e| e.1).unwrap_or_default();
        assert!(reason.contains("cannot read") && reason.contains("nowhere/postmortem.md.j2"), "{reason}");
    }
}
