//! Letters to print: the mail-merge CSV of handed-out letters, and a ZIP with that CSV and one QR code (SVG) per
//! letter. The codes are in clear here, and only here: what is built is the one answer that carries them.

use std::io::Write;

use crate::domain::codes::IssuedLetter;

/// The mail-merge CSV of letters (UTF-8 with BOM and semicolons, as Swedish Excel expects).
pub fn mail_merge(letters: &[IssuedLetter]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(vec![0xEF, 0xBB, 0xBF]);
    writer.write_record(["brevnummer", "kod", "lank", "kommunkod", "kommun", "qr_fil"])?;
    for letter in letters {
        let qr = format!("qr/{}.svg", letter.letter_number);
        writer.write_record([
            &letter.letter_number,
            &letter.code,
            &letter.link,
            &letter.municipality_code,
            &letter.municipality,
            &qr,
        ])?;
    }
    writer.into_inner().map_err(|error| csv::Error::from(error.into_error()))
}

/// Letters whose QR codes are rendered at a time before they are written out: the archive's memory is this many
/// SVG files (about 15 KB each), however many letters there are.
const RENDERED_AT_ONCE: usize = 256;

/// The cover letters of some letters as HTML: the letters, whether they open the document and whether they close it.
/// The letters are rendered a part at a time, so the archive never holds all of them at once.
pub type CoverLetters<'a> = &'a (dyn Fn(&[IssuedLetter], bool, bool) -> Result<String, String> + Sync);

/// A [`CoverLetters`] that can move to the thread writing the archive.
pub type CoverLetterWriter = Box<dyn Fn(&[IssuedLetter], bool, bool) -> Result<String, String> + Send + Sync>;

/// The mail-merge CSV, every letter's QR code as `qr/<letter number>.svg` and the cover letters to print
/// (`brev.html`, one A4 page a letter, its QR code from `qr/`, with `print.css`), in one ZIP archive written to `out` as it is made (a
/// streamed ZIP: each file's sizes follow its data, so nothing is held back to be patched later).
pub fn archive(letters: &[IssuedLetter], cover: CoverLetters<'_>, out: impl Write) -> Result<(), std::io::Error> {
    let mut zip = zip::ZipWriter::new_stream(out);
    // Fast compression: SVG text compresses well even at the lowest level, and the download waits for it.
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    let csv = mail_merge(letters).map_err(std::io::Error::other)?;
    zip.start_file("koder.csv", options).map_err(std::io::Error::other)?;
    zip.write_all(&csv)?;
    zip.start_file("print.css", options).map_err(std::io::Error::other)?;
    zip.write_all(crate::views::templates::PRINT_STYLESHEET.as_bytes())?;
    zip.start_file("brev.html", options).map_err(std::io::Error::other)?;
    let parts = letters.len().div_ceil(RENDERED_AT_ONCE).max(1);
    for (index, part) in letters.chunks(RENDERED_AT_ONCE).chain(letters.is_empty().then_some(&[][..])).enumerate() {
        let html = cover(part, index == 0, index + 1 == parts).map_err(std::io::Error::other)?;
        zip.write_all(html.as_bytes())?;
    }
    // Rendering a QR code takes about a millisecond, so each part is rendered on every core at once.
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(8);
    for part in letters.chunks(RENDERED_AT_ONCE) {
        let chunk = part.len().div_ceil(threads).max(1);
        let svgs: Vec<String> = std::thread::scope(|scope| {
            let workers: Vec<_> = part
                .chunks(chunk)
                .map(|some| scope.spawn(move || some.iter().map(qr_svg).collect::<Vec<_>>()))
                .collect();
            workers.into_iter().flat_map(|worker| worker.join().unwrap_or_default()).collect()
        });
        if svgs.len() != part.len() || svgs.iter().any(String::is_empty) {
            return Err(std::io::Error::other("a QR code could not be rendered"));
        }
        for (letter, svg) in part.iter().zip(&svgs) {
            zip.start_file(format!("qr/{}.svg", letter.letter_number), options).map_err(std::io::Error::other)?;
            zip.write_all(svg.as_bytes())?;
        }
    }
    zip.finish().map_err(std::io::Error::other)?.into_inner().flush()
}

/// The QR code of a letter's personal link as SVG (empty if the link cannot be encoded).
fn qr_svg(letter: &IssuedLetter) -> String {
    qrcode::QrCode::new(letter.link.as_bytes())
        .map(|code| code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).build())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn letter(serial: u32) -> IssuedLetter {
        IssuedLetter {
            letter_number: format!("1783-{serial:06}"),
            code: "ABCD-EFGH-JKLM".to_owned(),
            link: "https://trygghet.example/svara/ABCD-EFGH-JKLM".to_owned(),
            municipality_code: "1783".to_owned(),
            municipality: "Hagfors".to_owned(),
        }
    }

    #[test]
    fn the_mail_merge_is_semicolon_separated_utf8_with_a_byte_order_mark() {
        let csv = String::from_utf8(mail_merge(&[letter(1)]).unwrap()).unwrap();
        assert_eq!(
            csv,
            "\u{feff}brevnummer;kod;lank;kommunkod;kommun;qr_fil\n\
             1783-000001;ABCD-EFGH-JKLM;https://trygghet.example/svara/ABCD-EFGH-JKLM;1783;Hagfors;qr/1783-000001.svg\n"
        );
    }

    #[test]
    fn the_archive_holds_the_mail_merge_and_a_qr_code_per_letter() {
        let letters: Vec<IssuedLetter> = (1..=3).map(letter).collect();
        let mut bytes = Vec::new();
        let cover = |part: &[IssuedLetter], first: bool, last: bool| {
            let codes: Vec<&str> = part.iter().map(|letter| letter.code.as_str()).collect();
            Ok(format!("{}{}{}", if first { "<html>" } else { "" }, codes.join(","), if last { "</html>" } else { "" }))
        };
        archive(&letters, &cover, &mut bytes).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let names: Vec<String> = zip.file_names().map(|name| name.unwrap().into_owned()).collect();
        assert_eq!(names.len(), 6);
        let mut html = String::new();
        zip.by_name("brev.html").unwrap().read_to_string(&mut html).unwrap();
        assert_eq!(html, "<html>ABCD-EFGH-JKLM,ABCD-EFGH-JKLM,ABCD-EFGH-JKLM</html>", "every letter, in one document");
        let mut csv = Vec::new();
        zip.by_name("koder.csv").unwrap().read_to_end(&mut csv).unwrap();
        assert_eq!(csv, mail_merge(&letters).unwrap());
        let mut svg = String::new();
        zip.by_name("qr/1783-000003.svg").unwrap().read_to_string(&mut svg).unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("</svg>"), "{svg}");
    }
}
