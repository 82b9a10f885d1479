//! The home page: who is signed in, the views their roles open, and today in the centre's
//! calendar (whether it is a working day), so that nobody has to guess where to start.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::page;
use super::person::Person;
use super::state::Console;

/// What each view is for, by path.
fn purpose(path: &str) -> &'static str {
    match path {
        "/projects" => "重点项目的每件办件、每个部门事项：期限、剩余工作日、在等什么。",
        "/supervision" => "黄牌红牌、无人承办的事项、延期申请审批、缺席默认、每日督办摘要。",
        "/statistics" => "按期间统计：按时办结率、一次办成率、用时与关键路径，可打印。",
        "/assessment" => {
            "各部门、各窗口人员的月度考核：得分与环比、超期、投诉、差评整改，可下载考核表。"
        }
        "/queue" => "本部门待办：认领、办理、补正、特别程序、申请延期。",
        "/applications" => "按受理编号查看办件的材料、各部门事项、全程留痕与评价。",
        "/wall" => "大厅大屏：在办件按预警颜色与部门、今日缺席默认与升级督办。",
        _ => "",
    }
}

/// GET /.
pub async fn home(State(console): State<Arc<Console>>, person: Person) -> Response {
    let calendar = console.runtime.calendar();
    let today = calendar.local_date(console.runtime.now());
    let working = calendar.is_working_day(today);
    let views = page::views(&person);
    let main = html! {
        main id="main" {
            h1 { "您好，" (person.principal.name) }
            p { "今天是 " strong #today { (today) } "，" (if working { "工作日" } else { "非工作日" }) "。" }
            @if views.is_empty() {
                p { "您的角色在控制台中没有可用的视图。" }
            } @else {
                ul.views {
                    @for (path, name) in views {
                        li { a href=(path) { (name) } " — " (purpose(path)) }
                    }
                }
            }
        }
    };
    page::shell("首页", &person, "/", main).into_response()
}
