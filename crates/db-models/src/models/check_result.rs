//! `marts.check_result`: the data-quality checks of each mart build.
use diesel::prelude::*;

use crate::schema::marts::check_result;
use crate::text_enum::stored_as_text;

stored_as_text! {
/// A data-quality check of the publication marts; stored as text in `check_name`.
#[derive(strum::EnumIter, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckName {
    /// `marts.publication` has exactly the rows launch, mission and rocket.
    PublicationEntities,
    /// Each entity's `objects` equals the objects staging holds.
    ObjectsMatchStaging,
    /// Every row obeys the tables' rules (no NULL or negative count, total = the sum of the
    /// kinds): a row breaking one is refused as it is written.
    RowRules,
    /// No entity's row count changed by more than the configured share since the previous
    /// build.
    RowCountChange,
    /// Every object has at least one publication of its own.
    ObjectsWithoutPublication,
    /// Every launch's rocket is staged.
    LaunchRocketMissing,
    /// Every mission a launch lists is staged.
    LaunchMissionMissing,
}
}

impl CheckName {
    /// Every check, in declaration order.
    pub fn all() -> impl Iterator<Item = CheckName> {
        <CheckName as strum::IntoEnumIterator>::iter()
    }

    /// Whether failing it rolls the build back.
    pub fn severity(self) -> CheckSeverity {
        match self {
            CheckName::PublicationEntities
            | CheckName::ObjectsMatchStaging
            | CheckName::RowRules => CheckSeverity::Error,
            CheckName::RowCountChange
            | CheckName::ObjectsWithoutPublication
            | CheckName::LaunchRocketMissing
            | CheckName::LaunchMissionMissing => CheckSeverity::Warn,
        }
    }

    /// What it asserts, in words (the start of every `message`).
    pub fn description(self) -> &'static str {
        match self {
            CheckName::PublicationEntities => {
                "marts.publication has exactly the rows launch, mission, rocket"
            }
            CheckName::ObjectsMatchStaging => "each entity's objects match staging",
            CheckName::RowRules => {
                "every row obeys the tables' rules (no NULL or negative count, total = sum of the kinds)"
            }
            CheckName::RowCountChange => {
                "no entity's row count changed by more than the allowed share since the previous build"
            }
            CheckName::ObjectsWithoutPublication => {
                "every object has at least one publication of its own"
            }
            CheckName::LaunchRocketMissing => "every launch's rocket is staged",
            CheckName::LaunchMissionMissing => "every mission a launch lists is staged",
        }
    }
}

stored_as_text! {
/// How much a failing check matters; stored as text in `severity`.
#[derive(strum::EnumIter, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckSeverity {
    /// Failing it rolls the build back: the previous marts stay published.
    Error,
    /// The build is published anyway; the result says what was found.
    Warn,
}
}

impl CheckSeverity {
    /// Both severities.
    pub fn all() -> impl Iterator<Item = CheckSeverity> {
        <CheckSeverity as strum::IntoEnumIterator>::iter()
    }

    /// The status of a check of this severity that did not pass.
    pub fn failing_status(self) -> CheckStatus {
        match self {
            CheckSeverity::Error => CheckStatus::Fail,
            CheckSeverity::Warn => CheckStatus::Warn,
        }
    }
}

stored_as_text! {
/// How a check ended; stored as text in `status`.
#[derive(serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// Passed.
    Pass,
    /// A `warn` check found something; the build was published.
    Warn,
    /// An `error` check failed; the build was rolled back.
    Fail,
}
}

/// One check of one build. Serialises as the read API answers it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = check_result)]
pub struct CheckResult {
    /// The `marts.build_run` it ran in.
    pub build_id: i64,
    /// Which check.
    pub check_name: CheckName,
    /// Whether failing it rolled the build back.
    pub severity: CheckSeverity,
    /// How it ended.
    pub status: CheckStatus,
    /// What the check found.
    pub observed: String,
    /// What it expects.
    pub expected: String,
    /// One short line: what was checked and, when not passed, a few offending ids.
    pub message: String,
}

impl CheckResult {
    /// Whether it did not pass.
    pub fn failing(&self) -> bool {
        self.status != CheckStatus::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_check_parses_back_from_its_name_and_fails_by_its_severity() {
        for name in CheckName::all() {
            assert_eq!(name.as_str().parse::<CheckName>(), Ok(name));
        }
        assert!("objects match staging".parse::<CheckName>().is_err());
        assert_eq!(CheckSeverity::Error.failing_status(), CheckStatus::Fail);
        assert_eq!(CheckSeverity::Warn.failing_status(), CheckStatus::Warn);
    }
}
