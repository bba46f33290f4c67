//! The report's typeface, Source Sans 3 (SIL Open Font License 1.1,
//! `fonts/OFL.txt`), built into the binary: the PDF embeds it through
//! Typst, the HTML carries it inline as `@font-face` rules, so both outputs
//! look the same without any font installed on the reader's machine.

use base64::Engine as _;
use std::fmt::Write as _;

/// One face of the typeface.
pub(crate) struct Face {
    pub weight: u16,
    pub italic: bool,
    pub data: &'static [u8],
}

/// Regular, italic, semibold and bold.
pub(crate) const FACES: [Face; 4] = [
    Face {
        weight: 400,
        italic: false,
        data: include_bytes!("../fonts/SourceSans3_400Regular.ttf"),
    },
    Face {
        weight: 400,
        italic: true,
        data: include_bytes!("../fonts/SourceSans3_400Regular_Italic.ttf"),
    },
    Face {
        weight: 600,
        italic: false,
        data: include_bytes!("../fonts/SourceSans3_600SemiBold.ttf"),
    },
    Face {
        weight: 700,
        italic: false,
        data: include_bytes!("../fonts/SourceSans3_700Bold.ttf"),
    },
];

/// `@font-face` rules with the faces inline (base64), for the HTML. The
/// semibold face is left out (browsers take bold for weight 600), which
/// keeps the file about 0.5 MB smaller.
pub(crate) fn font_faces_css() -> &'static str {
    static CSS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let mut css = String::new();
        for f in FACES.iter().filter(|f| f.weight != 600) {
            _ = writeln!(css,
                "@font-face {{ font-family: \"Source Sans 3\"; font-weight: {}; font-style: {}; font-display: swap; src: url(data:font/ttf;base64,{}) format(\"truetype\"); }}",
                f.weight,
                if f.italic { "italic" } else { "normal" },
                base64::engine::general_purpose::STANDARD.encode(f.data)
            );
        }
        css
    });
    &CSS
}
