//! Paths as printed to a person: lexically normalised (`pipelines/../out/2024` → `out/2024`),
//! so that a message names the place the way one would type it.
use std::path::{Component, Path, PathBuf};

/// `path` without `.` components and with each `..` cancelling the named component before it
/// (a leading `..` stays). Lexical only: no file system access, symbolic links not followed.
pub fn shown(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_components_cancel_the_names_before_them() {
        let s = |p: &str| shown(Path::new(p)).display().to_string();
        assert_eq!(s("pipelines/../out/2024"), "out/2024");
        assert_eq!(s("/work/main/pipelines/../out"), "/work/main/out");
        assert_eq!(s("./a/./b"), "a/b");
        assert_eq!(s("../a/b/.."), "../a");
        assert_eq!(s("/.."), "/");
        assert_eq!(s("a/.."), ".");
    }
}
