//! Reply inference on the annotated Ubuntu IRC dev set (Kummerfeld et al.,
//! ACL 2019; CC-BY-4.0): link F1 of at least 0.72, the bar issue 13 sets, and
//! above the "reply to the previous message" baseline.

use std::path::PathBuf;
use tonghao_insight::replies::evaluate;

#[test]
fn dev_link_f1_reaches_the_bar_and_beats_the_baseline() {
    let dev = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/replies/dev");
    let mut raws: Vec<PathBuf> = std::fs::read_dir(&dev)
        .unwrap_or_else(|e| panic!("annotated reply data missing: cannot read {} ({e})", dev.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".raw.txt"))
        .collect();
    raws.sort();
    assert!(!raws.is_empty(), "annotated reply data missing: no *.raw.txt in {}", dev.display());
    let files: Vec<(String, String)> = raws
        .iter()
        .map(|raw| {
            let ann = PathBuf::from(raw.to_string_lossy().replace(".raw.txt", ".annotation.txt"));
            let ann = std::fs::read_to_string(&ann).unwrap_or_else(|e| panic!("{}: {e}", ann.display()));
            (String::from_utf8_lossy(&std::fs::read(raw).unwrap()).into_owned(), ann)
        })
        .collect();
    let e = evaluate(files.iter().map(|(r, a)| (r.as_str(), a.as_str())));
    assert_eq!(e.files, raws.len());
    assert!(e.model.f1() >= 0.72, "link F1 {:.4} is below the 0.72 bar ({e:?})", e.model.f1());
    assert!(e.model.f1() > e.previous.f1(), "the model does not beat the previous-message baseline ({e:?})");
}
