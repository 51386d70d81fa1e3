//! Setting V4L2 controls by the names users know (as `v4l2-ctl` spells them) or by numeric id, with
//! the range checked before anything is written. Two entry points: `set_controls` (all or nothing,
//! for a user's request) and `apply_controls` (each on its own, for re-applying saved values after a
//! camera is opened, where one control a new camera lacks must not stop the others).
use super::device::{control_key, Control, Device};
use super::sys::*;
use crate::source::{CaptureError, CaptureErrorKind};
use std::sync::{Arc, Mutex};

/// The values a camera should have, shared between the code that changes them (HTTP) and the code
/// that applies them after every open of the device (the capture side).
pub type DesiredControls = Arc<Mutex<Vec<(String, i32)>>>;

/// What became of one control in `apply_controls`.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlOutcome {
    /// The name or id as it was asked for.
    pub asked: String,
    /// The control's v4l2-ctl name and id, when it was found.
    pub name: Option<String>,
    pub id: Option<u32>,
    /// The value the driver kept, or why it wasn't set.
    pub result: Result<i32, String>,
}

/// The name `v4l2-ctl` gives a control: lower case, every run of other characters one "_"
/// ("White Balance, Automatic" → "white_balance_automatic").
pub fn ctl_name(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    let mut gap = false;
    for c in label.chars() {
        if c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.push(c.to_ascii_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

/// A numeric id ("9963776", "0x00980900") or None for a name.
fn parse_id(s: &str) -> Option<u32> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        None => None,
    }
}

/// The control `asked` names (by id, or by name ignoring case and punctuation).
pub fn find_control<'a>(controls: &'a [Control], asked: &str) -> Option<&'a Control> {
    match parse_id(asked) {
        Some(id) => controls.iter().find(|c| c.id == id),
        None => {
            let key = control_key(asked);
            controls.iter().find(|c| control_key(&c.label) == key)
        }
    }
}

/// The values a control accepts, in words ("an integer from 0 to 255 in steps of 1").
pub fn describe_range(c: &Control) -> String {
    match c.kind {
        CTRL_TYPE_BOOLEAN => "0 or 1".into(),
        CTRL_TYPE_MENU | CTRL_TYPE_INTEGER_MENU if c.menu.is_some() => {
            let items: Vec<String> = c.menu.iter().flatten().map(|m| format!("{} ({})", m.value, m.label)).collect();
            format!("one of {}", items.join(", "))
        }
        CTRL_TYPE_BUTTON => "any value (a button)".into(),
        _ if c.step > 1 => format!("an integer from {} to {} in steps of {}", c.minimum, c.maximum, c.step),
        _ => format!("an integer from {} to {}", c.minimum, c.maximum),
    }
}

/// Whether `value` is allowed for `c`; the error names the control and what it accepts.
pub fn check_value(c: &Control, value: i32) -> Result<(), String> {
    let name = &c.name;
    if c.flags & CTRL_FLAG_READ_ONLY != 0 {
        return Err(format!("{name} is read-only"));
    }
    let ok = match c.kind {
        CTRL_TYPE_BUTTON => true,
        CTRL_TYPE_MENU | CTRL_TYPE_INTEGER_MENU if c.menu.is_some() => c.menu.iter().flatten().any(|m| m.value == value),
        _ => {
            let in_range = value >= c.minimum && value <= c.maximum;
            let on_step = c.step <= 1 || (value as i64 - c.minimum as i64) % c.step as i64 == 0;
            in_range && on_step
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{name} must be {} (got {value})", describe_range(c)))
    }
}

fn invalid(message: String) -> CaptureError {
    CaptureError::new(CaptureErrorKind::InvalidArgument, message)
}

/// Checks every `(name or id, value)` first and sets nothing if one is unknown or out of range;
/// then sets them in order. If the driver refuses one, those already set get their old values back
/// and the error names the control. Returns each control with the value the driver kept.
pub fn set_controls(dev: &Device, wanted: &[(String, i32)]) -> Result<Vec<(Control, i32)>, CaptureError> {
    let controls = dev.controls();
    let mut resolved = Vec::with_capacity(wanted.len());
    for (asked, value) in wanted {
        let c = find_control(&controls, asked).ok_or_else(|| invalid(unknown(dev, asked, &controls)))?;
        check_value(c, *value).map_err(invalid)?;
        resolved.push((c.clone(), *value));
    }
    let mut done: Vec<(Control, i32)> = Vec::with_capacity(resolved.len());
    for (c, value) in resolved {
        match dev.set_control(c.id, value) {
            Ok(kept) => done.push((c, kept)),
            Err(e) => {
                for (old, _) in done.iter().rev() {
                    if let Some(v) = old.value {
                        // Best effort: the error below is what the user acts on.
                        let _ = dev.set_control(old.id, v);
                    }
                }
                let undone = if done.is_empty() { String::new() } else { " (the controls set before it were restored)".into() };
                return Err(CaptureError::new(e.kind, format!("setting {}: {}{undone}", c.name, e.message)));
            }
        }
    }
    Ok(done)
}

fn unknown(dev: &Device, asked: &str, controls: &[Control]) -> String {
    let names: Vec<String> = controls.iter().map(|c| c.name.clone()).collect();
    format!("{} has no control {asked:?} (it has: {})", dev.path, names.join(", "))
}

/// Sets each control on its own (a missing or refused one doesn't stop the rest) and says what
/// happened to each. For values saved earlier, re-applied after the device is (re)opened and
/// after stream-on (some UVC cameras ignore focus set before it).
pub fn apply_controls(dev: &Device, wanted: &[(String, i32)]) -> Vec<ControlOutcome> {
    if wanted.is_empty() {
        return vec![];
    }
    let controls = dev.controls();
    wanted
        .iter()
        .map(|(asked, value)| {
            let Some(c) = find_control(&controls, asked) else {
                return ControlOutcome { asked: asked.clone(), name: None, id: None, result: Err(unknown(dev, asked, &controls)) };
            };
            let result = check_value(c, *value).and_then(|_| dev.set_control(c.id, *value).map_err(|e| e.message));
            ControlOutcome { asked: asked.clone(), name: Some(c.name.clone()), id: Some(c.id), result }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v4l2::MenuItem;

    fn control(name: &str, kind: u32, min: i32, max: i32, step: i32) -> Control {
        Control {
            id: 0x0098_0900,
            name: ctl_name(name),
            label: name.into(),
            kind,
            minimum: min,
            maximum: max,
            step,
            default: min,
            value: Some(min),
            flags: 0,
            menu: None,
        }
    }

    #[test]
    fn names_are_spelt_as_v4l2_ctl_does() {
        assert_eq!(ctl_name("Brightness"), "brightness");
        assert_eq!(ctl_name("White Balance, Automatic"), "white_balance_automatic");
        assert_eq!(ctl_name("Focus, Automatic Continuous"), "focus_automatic_continuous");
        assert_eq!(ctl_name("  Gain (dB) "), "gain_db");
        assert_eq!(ctl_name("4-Byte"), "4_byte");
    }

    #[test]
    fn controls_are_found_by_name_or_id() {
        let list = vec![control("Brightness", 1, 0, 255, 1), Control { id: 0x0098_0901, ..control("Contrast", 1, 0, 255, 1) }];
        assert_eq!(find_control(&list, "brightness").unwrap().label, "Brightness");
        assert_eq!(find_control(&list, "BRIGHT_NESS").unwrap().label, "Brightness");
        assert_eq!(find_control(&list, "9963777").unwrap().label, "Contrast");
        assert_eq!(find_control(&list, "0x00980901").unwrap().label, "Contrast");
        assert!(find_control(&list, "focus").is_none());
        assert!(find_control(&list, "123").is_none());
    }

    #[test]
    fn integer_range_and_step_are_checked_with_a_message_naming_the_control() {
        let c = control("Brightness", CTRL_TYPE_INTEGER, 0, 255, 1);
        assert!(check_value(&c, 0).is_ok() && check_value(&c, 255).is_ok());
        assert_eq!(check_value(&c, 256).unwrap_err(), "brightness must be an integer from 0 to 255 (got 256)");
        assert!(check_value(&c, -1).is_err());
        let stepped = control("Focus (absolute)", CTRL_TYPE_INTEGER, 0, 250, 5);
        assert!(check_value(&stepped, 25).is_ok());
        assert_eq!(check_value(&stepped, 26).unwrap_err(), "focus_absolute must be an integer from 0 to 250 in steps of 5 (got 26)");
    }

    #[test]
    fn booleans_menus_buttons_and_read_only_controls() {
        assert!(check_value(&control("Auto", CTRL_TYPE_BOOLEAN, 0, 1, 1), 2).unwrap_err().contains("0 or 1"));
        let mut menu = control("Power Line Frequency", CTRL_TYPE_MENU, 0, 3, 1);
        menu.menu = Some(vec![MenuItem { value: 0, label: "Disabled".into() }, MenuItem { value: 2, label: "60 Hz".into() }]);
        assert!(check_value(&menu, 2).is_ok());
        assert_eq!(check_value(&menu, 1).unwrap_err(), "power_line_frequency must be one of 0 (Disabled), 2 (60 Hz) (got 1)");
        assert!(check_value(&control("Reset", CTRL_TYPE_BUTTON, 0, 0, 0), 7).is_ok());
        let mut ro = control("Pixel Rate", CTRL_TYPE_INTEGER, 0, 10, 1);
        ro.flags = CTRL_FLAG_READ_ONLY;
        assert_eq!(check_value(&ro, 1).unwrap_err(), "pixel_rate is read-only");
    }
}
