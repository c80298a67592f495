use super::sheet::Cell;
use super::sheet_name;

#[test]
fn sheet_names_are_what_excel_accepts_and_unique() {
    let taken = vec!["Sammanfattning".to_owned(), "Metod".to_owned()];
    assert_eq!(sheet_name("Hagfors", &taken), "Hagfors");
    assert_eq!(sheet_name("metod", &taken), "metod (2)");
    assert_eq!(sheet_name("Upplands-Bro [test]: a/b?", &taken), "Upplands-Bro test ab");
    let long = "Ett mycket långt kommunnamn som inte får plats";
    let name = sheet_name(long, &taken);
    assert_eq!(name.chars().count(), 31);
    let second = sheet_name(long, std::slice::from_ref(&name));
    assert_eq!(second.chars().count(), 31);
    assert!(second.ends_with(" (2)"));
    assert_eq!(sheet_name("[]", &taken), "Kommun");
}

#[test]
fn a_figure_is_a_number_hidden_or_blank() {
    assert_eq!(Cell::index(Some(2.5), false), Cell::Index(2.5));
    assert_eq!(Cell::index(None, true), Cell::Hidden);
    assert_eq!(Cell::index(None, false), Cell::Blank);
    assert_eq!(Cell::index(Some(f64::NAN), true), Cell::Hidden);
    assert_eq!(Cell::percent_of_100(Some(25.0), false), Cell::Percent(0.25));
    assert_eq!(Cell::count(Some(7), false), Cell::Count(7.0));
    assert_eq!(Cell::share(None), Cell::Blank);
}
