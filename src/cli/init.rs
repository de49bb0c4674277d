//! `tracedoc init`: a new MkDocs site that renders its captures with the
//! tracedoc plugin. The files come from `driver::init`; this only parses
//! the flags and says what was written.

use std::path::PathBuf;

use crate::site::scaffold::Placed;

#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  \
tracedoc init site --lang en && cd site && mkdocs serve\n\n\
Writes mkdocs.yml (site_name, the Markdown extensions the pages need, the\n\
fragment excludes, the tracedoc plugin), docs/index.md, one sample capture\n\
under captures/ with captures/tracedoc.toml (lang), requirements.txt (mkdocs-material and tracedoc, pinned)\n\
and .gitignore. A file that is already there is never overwritten: it is\n\
listed as skipped.")]
pub struct Args {
    /// Folder to create the site in (created if missing).
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,

    /// Language of the labels on the pages (`lang` in captures/tracedoc.toml) and of the home page.
    #[arg(long, value_name = "LANG", value_parser = super::LANGS, default_value = "ko")]
    pub lang: String,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let placed = crate::driver::init(&args.dir, &args.lang)?;
    let mut skipped = 0;
    for (path, how) in &placed {
        match how {
            Placed::Created => super::show(&format!("created {}", path.display()))?,
            Placed::Skipped => {
                skipped += 1;
                super::show(&format!(
                    "skipped {} (already there; left as it is)",
                    path.display()
                ))?;
            }
        }
    }
    let dir = args.dir.display().to_string();
    let cd = if dir == "." {
        String::new()
    } else {
        format!("cd {dir} && ")
    };
    if skipped > 0 {
        super::show(&format!(
            "{} file(s) written, {skipped} skipped: check that the skipped ones suit the site",
            placed.len() - skipped
        ))?;
    }
    super::show(&format!(
        "next: {cd}mkdocs serve    (with tracedoc and mkdocs-material in one environment; requirements.txt pins them)"
    ))?;
    Ok(super::EXIT_OK)
}
