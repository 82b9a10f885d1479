//! The page shell every view shares: `lang="zh-CN"`, the built-in style sheet and script, a skip
//! link, the navigation the person's roles open (a view they may not use is not offered), who is
//! signed in and the sign-out button.

use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::person::Person;
use super::refusal::Refused;
use crate::identity::authorize;

/// The views in the navigation, with the gRPC method that decides whether a person may open it.
const VIEWS: [(&str, &str, &str); 7] = [
    (
        "/projects",
        "项目看板",
        "/lianban.v1.ProjectService/ListProjects",
    ),
    (
        "/supervision",
        "督查台",
        "/lianban.v1.SupervisionService/ListWarnings",
    ),
    (
        "/statistics",
        "统计分析",
        "/lianban.v1.StatisticsService/GetStatistics",
    ),
    (
        "/assessment",
        "月度考核",
        "/lianban.v1.AssessmentService/AssessMonth",
    ),
    ("/queue", "部门待办", "/lianban.v1.TaskService/DecideTask"),
    (
        "/applications",
        "办件查询",
        "/lianban.v1.IntakeService/ListApplications",
    ),
    (
        "/wall",
        "大屏",
        "/lianban.v1.SupervisionService/ListWarnings",
    ),
];

/// The views `person` may open, as (path, name).
pub fn views(person: &Person) -> Vec<(&'static str, &'static str)> {
    VIEWS
        .iter()
        .filter(|(_, _, method)| authorize(&person.principal, method).is_ok())
        .map(|(path, name, _)| (*path, *name))
        .collect()
}

/// A page for a signed-in person.
pub fn shell(title: &str, person: &Person, current: &str, main: Markup) -> Markup {
    document(
        title,
        None,
        html! {
            header.top {
                a.skip href="#main" { "跳到正文" }
                span.brand { a href="/" { "联办 · 一件事一次办" } }
                nav aria-label="主导航" {
                    ul {
                        @for (path, name) in views(person) {
                            li {
                                @if path == current {
                                    a href=(path) aria-current="page" { (name) }
                                } @else {
                                    a href=(path) { (name) }
                                }
                            }
                        }
                    }
                }
                span #whoami { (person.describe()) }
                form.signout method="post" action="/signout" {
                    input type="hidden" name="csrf" value=(person.csrf);
                    button type="submit" { "退出" }
                }
            }
            (main)
        },
    )
}

/// A page without navigation (sign-in, refusals).
pub fn bare(title: &str, main: Markup) -> Markup {
    document(
        title,
        None,
        html! {
            header.top { span.brand { a href="/" { "联办 · 一件事一次办" } } }
            (main)
        },
    )
}

/// A page for the hall's wall screen: big type on a dark ground, no navigation or forms.
pub fn wall(title: &str, main: Markup) -> Markup {
    document(title, Some("wall"), main)
}

fn document(title: &str, class: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · 联办" }
                link rel="stylesheet" href="/assets/console.css";
                script src="/assets/console.js" defer {}
            }
            body class=[class] { (body) }
        }
    }
}

/// A refusal as a page: its headline, the stable reason in `main[data-refusal]`, the field and
/// the explanation.
impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let body = bare(
            self.headline(),
            html! {
                main id="main" data-refusal=(self.reason) {
                    h1 { (self.headline()) }
                    p { "原因代码：" code { (self.reason) } }
                    @if let Some(field) = &self.field { p { "字段：" code { (field) } } }
                    p.explanation { (self.message) }
                    p { a href="/" { "返回首页" } }
                }
            },
        );
        (self.http_status(), body).into_response()
    }
}
