//! The built-in vocabulary: themes, names and message templates, in Chinese
//! and English. Small on purpose (no language model): enough variety that
//! texts are not all alike, few enough that a reader can see what the
//! generator says. The phrases mirror what the seed articles describe groups
//! saying: 打卡 lines, 话题讨论 previews and digests, 嘉宾分享 relays, 接龙
//! sign-ups, ads with links, 群规 name formats (地区+职业+姓名).

use crate::rng::{Rng, hash64};

/// A community theme (同好): what its groups talk about.
pub struct Theme {
    /// Key used in scenario files.
    pub key: &'static str,
    /// Group name stem in Chinese, e.g. 读书会 → 读书会3群.
    pub group_zh: &'static str,
    /// Group name stem in English.
    pub group_en: &'static str,
    /// Short topic nouns.
    pub topics_zh: &'static [&'static str],
    /// Short topic nouns, English.
    pub topics_en: &'static [&'static str],
    /// Things: books, gear, tools.
    pub things_zh: &'static [&'static str],
    /// Things, English.
    pub things_en: &'static [&'static str],
    /// Questions for topic discussions.
    pub questions_zh: &'static [&'static str],
    /// Questions, English.
    pub questions_en: &'static [&'static str],
    /// Check-in challenge name.
    pub challenge_zh: &'static str,
    /// Check-in challenge name, English.
    pub challenge_en: &'static str,
    /// Check-in contents ({n} a number).
    pub checkin_zh: &'static [&'static str],
    /// Check-in contents, English.
    pub checkin_en: &'static [&'static str],
    /// Check-ins happen in the morning (else the evening).
    pub checkin_morning: bool,
    /// Items sold: (zh, en, price in fen).
    pub items: &'static [(&'static str, &'static str, i64)],
    /// Offline activities.
    pub offline_zh: &'static [&'static str],
    /// Offline activities, English.
    pub offline_en: &'static [&'static str],
}

impl std::fmt::Debug for Theme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Theme({})", self.key)
    }
}

/// Every built-in theme.
pub const THEMES: &[Theme] = &[
    Theme {
        key: "reading",
        group_zh: "读书会",
        group_en: "Book Club",
        topics_zh: &["读书笔记", "拆书", "时间管理", "阅读速度", "做思维导图", "写书评", "碎片化阅读"],
        topics_en: &["reading notes", "speed reading", "time management", "book reviews", "mind maps"],
        things_zh: &["《小群效应》", "《社群营销实战手册》", "《原则》", "《人类简史》", "微信读书", "Kindle"],
        things_en: &["Sapiens", "Atomic Habits", "Deep Work", "a Kindle", "the library app"],
        questions_zh: &[
            "为什么人人都想进大群，人人活跃在小群？",
            "你今年读得最有收获的一本书是什么？",
            "纸质书和电子书，你更喜欢哪个？",
            "怎么在忙碌的工作中坚持阅读？",
            "读完一本书，怎样才算真正读懂了？",
        ],
        questions_en: &[
            "What book changed your mind this year?",
            "Paper or e-books, and why?",
            "How do you keep reading when work is busy?",
            "What does it mean to really understand a book?",
        ],
        challenge_zh: "早起读书",
        challenge_en: "morning reading",
        checkin_zh: &[
            "早起读书30分钟",
            "读了{n}页，做了笔记",
            "读完第{n}章",
            "今天读了{n}页，但坚持了",
            "做了一张思维导图",
        ],
        checkin_en: &["read {n} pages", "finished chapter {n}", "30 minutes before work", "notes on chapter {n}"],
        checkin_morning: true,
        items: &[("《小群效应》纸质书", "book: Small Groups", 5900), ("年度读书会员", "annual membership", 19900)],
        offline_zh: &["读书分享会", "图书馆共读", "书店沙龙"],
        offline_en: &["a book swap", "a reading meetup at the library"],
    },
    Theme {
        key: "running",
        group_zh: "跑团",
        group_en: "Running Crew",
        topics_zh: &["配速", "跑鞋", "马拉松训练", "膝盖保护", "晨跑", "拉伸"],
        topics_en: &["pace", "running shoes", "marathon training", "knee care", "stretching"],
        things_zh: &["Keep", "佳明手表", "碳板跑鞋", "跑步腰包", "护膝"],
        things_en: &["a Garmin watch", "carbon plate shoes", "Strava", "a running belt"],
        questions_zh: &["第一次跑全马前要准备什么？", "怎么避免跑步受伤？", "晨跑还是夜跑更好？"],
        questions_en: &["How do you prepare for a first marathon?", "Morning runs or evening runs?"],
        challenge_zh: "每日跑步",
        challenge_en: "daily run",
        checkin_zh: &["跑了{n}公里，配速6分", "夜跑{n}公里", "今天拉伸了20分钟", "{n}公里轻松跑"],
        checkin_en: &["ran {n} km", "easy {n} km", "stretching 20 minutes", "intervals, {n} km total"],
        checkin_morning: false,
        items: &[("团购跑鞋", "group-buy running shoes", 49900), ("马拉松训练营", "marathon training camp", 29900)],
        offline_zh: &["周末约跑", "公园夜跑", "半马拉练"],
        offline_en: &["a weekend group run", "a park run"],
    },
    Theme {
        key: "product",
        group_zh: "产品经理交流",
        group_en: "Product Managers",
        topics_zh: &["需求分析", "用户访谈", "数据分析", "竞品分析", "原型设计", "增长"],
        topics_en: &["user interviews", "roadmaps", "metrics", "A/B tests", "growth"],
        things_zh: &["Axure", "墨刀", "飞书文档", "埋点方案", "《启示录》"],
        things_en: &["Figma", "Amplitude", "Inspired", "a PRD template"],
        questions_zh: &["产品经理需要懂技术吗？", "怎么判断一个需求是真需求？", "你们怎么做用户访谈？"],
        questions_en: &["Should PMs code?", "How do you tell a real need from a wish?"],
        challenge_zh: "每日复盘",
        challenge_en: "daily review",
        checkin_zh: &["复盘了今天的{n}个需求", "写了一篇竞品分析", "完成{n}个用户访谈"],
        checkin_en: &["reviewed {n} tickets", "wrote a teardown", "{n} user interviews"],
        checkin_morning: false,
        items: &[("产品经理训练营", "PM bootcamp", 99900), ("模板合集", "template pack", 4900)],
        offline_zh: &["产品沙龙", "行业交流会"],
        offline_en: &["a product meetup"],
    },
    Theme {
        key: "parenting",
        group_zh: "宝妈育儿",
        group_en: "Parents",
        topics_zh: &["辅食", "睡眠训练", "早教", "绘本", "幼儿园", "带娃出游"],
        topics_en: &["sleep training", "picture books", "daycare", "weaning"],
        things_zh: &["绘本套装", "儿童安全座椅", "早教卡片", "米粉"],
        things_en: &["a car seat", "picture books", "flash cards"],
        questions_zh: &["孩子不爱睡觉怎么办？", "几岁开始读绘本比较好？", "怎么挑选幼儿园？"],
        questions_en: &["How do you get a toddler to sleep?", "When to start picture books?"],
        challenge_zh: "亲子共读",
        challenge_en: "read together",
        checkin_zh: &["和宝宝读了{n}本绘本", "亲子共读20分钟", "今天读了《猜猜我有多爱你》"],
        checkin_en: &["read {n} books with my kid", "20 minutes of reading together"],
        checkin_morning: false,
        items: &[("绘本套装团购", "picture book set", 19900), ("早教课程", "early learning course", 39900)],
        offline_zh: &["亲子野餐", "绘本故事会"],
        offline_en: &["a family picnic"],
    },
    Theme {
        key: "exam",
        group_zh: "考研互助",
        group_en: "Exam Prep",
        topics_zh: &["英语阅读", "数学真题", "政治背诵", "择校", "复试", "作息"],
        topics_en: &["past papers", "vocabulary", "study plans", "mock exams"],
        things_zh: &["真题集", "单词书", "网课", "错题本"],
        things_en: &["past papers", "a vocab app", "flashcards"],
        questions_zh: &["怎么制定每天的复习计划？", "真题要刷几遍？", "二战值不值得？"],
        questions_en: &["How do you plan a study day?", "How many times do you redo past papers?"],
        challenge_zh: "背单词",
        challenge_en: "vocabulary",
        checkin_zh: &["背了{n}个单词", "做完一套真题，错了{n}道", "学习{n}小时"],
        checkin_en: &["{n} new words", "one past paper, {n} mistakes", "{n} hours of study"],
        checkin_morning: true,
        items: &[("真题资料包", "past paper pack", 3900), ("冲刺班", "final sprint course", 129900)],
        offline_zh: &["自习室共学", "研友见面会"],
        offline_en: &["a study session"],
    },
    Theme {
        key: "photo",
        group_zh: "摄影爱好者",
        group_en: "Photographers",
        topics_zh: &["构图", "后期", "人像", "风光", "扫街", "胶片"],
        topics_en: &["composition", "editing", "street photography", "film"],
        things_zh: &["索尼A7", "富士X100", "Lightroom", "35mm镜头"],
        things_en: &["a Fuji X100", "Lightroom", "a 35mm lens"],
        questions_zh: &["新手第一台相机买什么？", "手机摄影能拍出大片吗？"],
        questions_en: &["What should a first camera be?", "Can phones replace cameras?"],
        challenge_zh: "每日一拍",
        challenge_en: "photo a day",
        checkin_zh: &["今天拍了{n}张，挑了一张满意的", "练习构图{n}张"],
        checkin_en: &["{n} shots, one keeper", "practised framing, {n} shots"],
        checkin_morning: false,
        items: &[("摄影后期课", "editing course", 19900), ("预设包", "preset pack", 2900)],
        offline_zh: &["城市扫街", "外拍活动"],
        offline_en: &["a photo walk"],
    },
    Theme {
        key: "tech",
        group_zh: "Rust中文",
        group_en: "Rust Devs",
        topics_zh: &["所有权", "异步", "生命周期", "宏", "性能优化", "交叉编译"],
        topics_en: &["ownership", "async", "lifetimes", "macros", "performance", "cross compiling"],
        things_zh: &["tokio", "serde", "clippy", "《Rust程序设计语言》", "rust-analyzer"],
        things_en: &["tokio", "serde", "clippy", "the Rust book", "rust-analyzer"],
        questions_zh: &["Rust 适合做 Web 后端吗？", "怎么向团队推广 Rust？", "异步 Rust 难在哪里？"],
        questions_en: &[
            "Is Rust good for web backends?",
            "How do you introduce Rust at work?",
            "What makes async hard?",
        ],
        challenge_zh: "每日刷题",
        challenge_en: "daily exercise",
        checkin_zh: &["做了{n}道 rustlings", "读完 Rust book 第{n}章", "提交了一个 PR"],
        checkin_en: &["{n} rustlings done", "read chapter {n} of the book", "sent a PR"],
        checkin_morning: false,
        items: &[("Rust 实战课", "Rust course", 29900), ("大会门票", "conference ticket", 59900)],
        offline_zh: &["技术沙龙", "Rust Meetup"],
        offline_en: &["a Rust meetup"],
    },
    Theme {
        key: "english",
        group_zh: "英语角",
        group_en: "English Corner",
        topics_zh: &["口语", "听力", "雅思", "美剧", "发音", "写作"],
        topics_en: &["speaking", "listening", "IELTS", "pronunciation", "writing"],
        things_zh: &["扇贝单词", "BBC 6 Minute English", "《老友记》", "流利说"],
        things_en: &["BBC 6 Minute English", "Friends", "Anki"],
        questions_zh: &["怎么克服开口说英语的紧张？", "看美剧学英语有用吗？"],
        questions_en: &["How do you stop being shy when speaking?", "Do TV series help?"],
        challenge_zh: "每日口语",
        challenge_en: "daily speaking",
        checkin_zh: &["跟读{n}分钟", "背了{n}个单词", "录了一段口语"],
        checkin_en: &["{n} minutes of shadowing", "{n} new words", "recorded a speech"],
        checkin_morning: true,
        items: &[("口语课", "speaking course", 39900), ("外教一对一", "1:1 tutoring", 19900)],
        offline_zh: &["英语角线下聚会", "读书会"],
        offline_en: &["a language exchange"],
    },
];

/// The theme with this key.
pub fn theme(key: &str) -> Option<&'static Theme> {
    THEMES.iter().find(|t| t.key == key)
}

/// The theme keys, comma-separated (for error messages).
pub fn theme_keys() -> String {
    THEMES.iter().map(|t| t.key).collect::<Vec<_>>().join(", ")
}

const SURNAMES: &[&str] = &[
    "李", "王", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "董", "程", "曹", "袁", "邓", "许", "沈", "曾", "彭", "苏", "蒋",
    "蔡", "丁",
];
const GIVEN: &[&str] = &[
    "晓雯", "子涵", "浩然", "思远", "雨桐", "一鸣", "可欣", "俊杰", "梓萱", "宇航", "佳怡", "志强", "文博", "欣怡",
    "天佑", "美美", "阿花", "静", "磊", "婷婷", "小鱼", "大宝", "木子", "橙子", "糖糖", "花花", "阳光", "微笑", "淡定",
    "追风",
];
const LATIN: &[&str] = &[
    "Amy", "Tony", "Kevin", "Lily", "Momo", "Jack", "Coco", "Leo", "Vicky", "Sam", "Nina", "Eric", "Grace", "Ivan",
    "Yuki",
];
const CITIES: &[&str] = &[
    "上海", "北京", "深圳", "广州", "杭州", "成都", "武汉", "南京", "西安", "重庆", "苏州", "长沙", "天津", "郑州",
    "青岛", "厦门", "合肥", "昆明", "大连", "宁波",
];
const JOBS: &[&str] = &[
    "产品经理",
    "程序员",
    "设计师",
    "运营",
    "学生",
    "老师",
    "销售",
    "会计",
    "HR",
    "律师",
    "医生",
    "编辑",
    "创业者",
    "工程师",
    "宝妈",
    "市场",
    "咨询",
    "摄影师",
    "翻译",
    "公务员",
];
const EN_FIRST: &[&str] = &[
    "Alex", "Emma", "Liam", "Olivia", "Noah", "Mia", "Lucas", "Sofia", "Ethan", "Chloe", "Ryan", "Hannah", "Daniel",
    "Zoe", "Max", "Iris", "Owen", "Ava", "Ben", "Lena",
];
const EN_LAST: &[&str] =
    &["Chen", "Wang", "Li", "Smith", "Kim", "Garcia", "Müller", "Tan", "Nguyen", "Brown", "Lee", "Park"];
const SPAM_NAMES: &[&str] = &[
    "优惠券小助手",
    "兼职小妹",
    "福利官",
    "代购Lily",
    "微商小王",
    "理财顾问",
    "客服小美",
    "推广专员",
    "领券助手",
    "网赚达人",
];

/// A person's everyday nickname (deterministic from their index).
pub fn nickname(person: u32, english: bool) -> String {
    let h = hash64(person as u64 ^ 0x6e69_636b);
    let pick = |list: &[&'static str], shift: u32| list[((h >> shift) % list.len() as u64) as usize];
    if english {
        return format!("{} {}", pick(EN_FIRST, 0), pick(EN_LAST, 16));
    }
    match h % 10 {
        0..=3 => format!("{}{}", ["小", "老", "阿"][((h >> 8) % 3) as usize], pick(SURNAMES, 16)),
        4..=7 => pick(GIVEN, 24).to_string(),
        8 => format!("{}{}", pick(SURNAMES, 16), pick(GIVEN, 24)),
        _ => pick(LATIN, 32).to_string(),
    }
}

/// A person's city.
pub fn city(person: u32) -> &'static str {
    CITIES[(hash64(person as u64 ^ 0x6369_7479) % CITIES.len() as u64) as usize]
}

/// A person's job.
pub fn job(person: u32) -> &'static str {
    JOBS[(hash64(person as u64 ^ 0x006a_6f62) % JOBS.len() as u64) as usize]
}

/// The group nickname a person uses: `name-city-job` where the group's rules
/// ask for it (地区+职业+姓名 in the seeds' wording, written name first as
/// real groups do), else the plain nickname.
pub fn display_name(person: u32, english: bool, rule_names: bool) -> String {
    let nick = nickname(person, english);
    if rule_names && !english { format!("{nick}-{}-{}", city(person), job(person)) } else { nick }
}

/// An ad account's name.
pub fn spam_name(spammer: u32) -> String {
    let base = SPAM_NAMES[(spammer as usize) % SPAM_NAMES.len()];
    let round = spammer as usize / SPAM_NAMES.len();
    if round == 0 { base.to_string() } else { format!("{base}{round}") }
}

/// Values a template can refer to besides the theme.
#[derive(Default, Clone, Copy)]
pub struct Slots<'a> {
    /// {name}
    pub name: &'a str,
    /// {q}: a discussion question.
    pub q: &'a str,
    /// {guest}
    pub guest: &'a str,
    /// {date}
    pub date: &'a str,
    /// {group}
    pub group: &'a str,
    /// {hh}: an hour.
    pub hh: u32,
    /// {k}: a count (challenge round, day).
    pub k: u32,
    /// The speaker's city for {c} (random when empty).
    pub city: &'a str,
    /// The speaker's job for {job} (random when empty).
    pub job: &'a str,
}

/// Appends `template` to `out`, filling its `{…}` slots: `{t}` a topic, `{x}`
/// a thing, `{n}` a small number, `{c}` a city, `{code}` a random code,
/// `{job}`, `{g}` the theme's group name, `{act}` an offline activity, `{item}`/`{price}` an item on sale,
/// `{challenge}`, `{days}`, and the [`Slots`].
pub fn fill(out: &mut String, template: &str, theme: &Theme, en: bool, slots: &Slots, rng: &mut Rng) {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return;
        };
        let key = &after[..close];
        rest = &after[close + 1..];
        let pick = |list: &'static [&'static str], rng: &mut Rng| *rng.pick(list);
        match key {
            "t" => out.push_str(pick(if en { theme.topics_en } else { theme.topics_zh }, rng)),
            "x" => out.push_str(pick(if en { theme.things_en } else { theme.things_zh }, rng)),
            "n" => push_num(out, 1 + rng.below(30) as u64),
            "c" if !slots.city.is_empty() => out.push_str(slots.city),
            "c" => out.push_str(pick(CITIES, rng)),
            "job" if !slots.job.is_empty() => out.push_str(slots.job),
            "job" => out.push_str(pick(JOBS, rng)),
            "g" => out.push_str(if en { theme.group_en } else { theme.group_zh }),
            "code" => {
                for _ in 0..6 {
                    out.push(b"abcdefghjkmnpqrstuvwxyz23456789"[rng.below(31)] as char);
                }
            }
            "act" => out.push_str(pick(if en { theme.offline_en } else { theme.offline_zh }, rng)),
            "challenge" => out.push_str(if en { theme.challenge_en } else { theme.challenge_zh }),
            "item" | "price" => {
                let (zh, e, price) = theme.items[slots.k as usize % theme.items.len()];
                if key == "item" {
                    out.push_str(if en { e } else { zh });
                } else {
                    push_num(out, (price / 100) as u64);
                }
            }
            "name" => out.push_str(slots.name),
            "q" => out.push_str(slots.q),
            "guest" => out.push_str(slots.guest),
            "date" => out.push_str(slots.date),
            "group" => out.push_str(slots.group),
            "hh" => push_num(out, slots.hh as u64),
            "k" => push_num(out, slots.k as u64),
            _ => {
                out.push('{');
                out.push_str(key);
                out.push('}');
            }
        }
    }
    out.push_str(rest);
}

fn push_num(out: &mut String, v: u64) {
    use std::fmt::Write;
    let _ = write!(out, "{v}");
}

/// What a message is for; each kind has its own templates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Say {
    Question,
    Share,
    Answer,
    Ack,
    Greeting,
    Evening,
    Founded,
    Intro,
    Welcome,
    WelcomeAll,
    Nudge,
    Ad,
    Rule,
    TopicPreview,
    TopicOpen,
    TopicPrompt,
    TopicClose,
    Digest,
    GuestPreview,
    GuestOpen,
    GuestRelay,
    GuestQuestion,
    GuestAnswer,
    Thanks,
    ChallengeStart,
    ChallengeRemind,
    Cheer,
    OfflineAnnounce,
    Rsvp,
    OfflineRemind,
    OfflineAfter,
    Launch,
}

/// The templates for one kind of message, Chinese and English.
pub fn templates(say: Say, en: bool) -> &'static [&'static str] {
    use Say::*;
    match (say, en) {
        (Question, false) => &[
            "请问大家{t}有什么好方法吗？",
            "有没有人了解{x}？",
            "{t}这块大家怎么看？",
            "求推荐{t}相关的资料",
            "新手想问一下，{t}从哪里开始比较好？",
            "大家平时{t}都用什么方法？",
            "最近{t}遇到瓶颈了，怎么办",
            "有人试过{x}吗？值不值得？",
        ],
        (Question, true) => &[
            "Any tips on {t}?",
            "Has anyone tried {x}?",
            "What do you all think about {t}?",
            "Beginner here: where do I start with {t}?",
            "Stuck with {t} lately, any advice?",
        ],
        (Share, false) => &[
            "分享一篇关于{t}的文章 https://mp.weixin.qq.com/s/{code}",
            "今天{t}有点新收获，记录一下",
            "最近在研究{x}，感觉挺不错",
            "推荐一下{x}，真心好用",
            "{t}真的是越做越有意思",
            "周末有人一起聊聊{t}吗？",
            "说个{t}的小技巧：先从小目标开始",
            "刚看到一个{t}的案例，挺有启发的",
        ],
        (Share, true) => &[
            "Sharing a good read on {t}: https://example.com/{code}",
            "Learned something new about {t} today",
            "Been using {x} lately, quite good",
            "Small tip on {t}: start with tiny goals",
        ],
        (Answer, false) => &[
            "可以先从{t}开始",
            "我之前也遇到过，后来每天坚持一点就好了",
            "推荐{x}，讲得很清楚",
            "我一般是先定个小目标",
            "这个要看具体情况",
            "试试{x}，我用了挺好",
            "{t}的话，关键是坚持",
            "我觉得不用太纠结，先做起来",
            "同问，坐等大佬回答",
            "上次群里讨论过，可以翻翻聊天记录",
        ],
        (Answer, true) => &[
            "Start with {t}, it helps",
            "Had the same problem, a little every day fixed it",
            "Try {x}, worked for me",
            "Depends on your situation really",
            "Don't overthink it, just start",
            "Same question here",
        ],
        (Ack, false) => &[
            "同意",
            "哈哈哈",
            "学到了",
            "谢谢分享！",
            "👍",
            "有道理",
            "+1",
            "确实",
            "收藏了",
            "666",
            "赞",
            "说得太对了",
            "哈哈，同感",
            "好的，谢谢",
            "明白了",
        ],
        (Ack, true) => {
            &["Agreed", "haha", "Thanks for sharing!", "👍", "Makes sense", "+1", "True", "Nice", "Got it, thanks"]
        }
        (Greeting, false) => &["早上好！", "大家早", "早安，今天也要加油"],
        (Greeting, true) => &["Good morning!", "Morning all"],
        (Evening, false) => &["晚上好", "晚安", "大家早点休息"],
        (Evening, true) => &["Good evening", "Good night all"],
        (Founded, false) => &["大家好，建了个群，喜欢{t}的朋友一起交流", "拉了几个朋友，大家以后在这里聊{t}吧"],
        (Founded, true) => &["Hi all, made this group for people into {t}", "Welcome, let's talk {t} here"],
        (Intro, false) => &[
            "大家好，我是{name}，来自{c}，做{job}的，喜欢{t}，请多关照！",
            "大家好，新人报到，喜欢{t}，希望多多交流",
            "我是{name}，朋友拉我进来的，请多指教",
        ],
        (Intro, true) => &["Hi all, I'm {name}, into {t}. Glad to be here!", "New here, hello everyone"],
        (Welcome, false) => &[
            "欢迎新朋友！请按群规改一下群昵称：地区+职业+姓名",
            "欢迎欢迎！先看一下群公告哦",
            "欢迎加入，有问题随时问",
        ],
        (Welcome, true) => &["Welcome! Please read the pinned rules", "Welcome aboard!"],
        (WelcomeAll, false) => {
            &["欢迎大家加入{group}！这里是{g}同好交流群。群规：1. 不发广告 2. 昵称按 地区+职业+姓名 3. 友善交流"]
        }
        (WelcomeAll, true) => &["Welcome to {group}! Rules: no ads, be kind, stay on topic."],
        (Nudge, false) => &["还有人吗？", "好久没人说话了", "群里好安静啊", "大家最近都在忙什么？"],
        (Nudge, true) => &["Anyone still here?", "So quiet lately", "What is everyone up to?"],
        (Ad, false) => &[
            "加我微信领取免费{t}资料 http://t.cn/{code} 前100名送红包",
            "兼职日结，手机就能做，有意私聊",
            "低价代购，正品保证，加V：{code}",
            "【福利】{t}课程限时0元领，点击 http://{code}.cn",
            "专业推广引流，诚信可靠，详情私聊",
        ],
        (Ad, true) => {
            &["Earn $500/day from home, DM me", "Free crypto airdrop: http://{code}.io", "Cheap followers, DM"]
        }
        (Rule, false) => &["提醒一下：群里不允许发广告，违者移出"],
        (Rule, true) => &["Reminder: no ads here, offenders are removed"],
        (TopicPreview, false) => &["【预告】明晚{hh}:00话题讨论：{q}欢迎大家准时参加"],
        (TopicPreview, true) => &["Tomorrow {hh}:00, topic night: {q} See you there!"],
        (TopicOpen, false) => &["【话题讨论】{q}"],
        (TopicOpen, true) => &["Topic night: {q}"],
        (TopicPrompt, false) => &["大家还有什么补充？", "其他人怎么看？", "这个角度很好，展开说说？"],
        (TopicPrompt, true) => &["Anything to add?", "What do others think?", "Good point, say more?"],
        (TopicClose, false) => &["今天的讨论很精彩，以上几位发言最积极，各奖励20积分，明天我整理成纪要发群里"],
        (TopicClose, true) => &["Great discussion tonight; the most active get 20 points each. Notes tomorrow."],
        (Digest, false) => &["【讨论纪要】昨晚我们讨论了：{q}要点整理好了，感谢大家参与！完整版见公众号"],
        (Digest, true) => &["Notes from last night: {q} Summary is up, thanks all!"],
        (GuestPreview, false) => &["【预告】明晚20:00邀请{guest}做嘉宾分享，主题：{t}，欢迎转发到其他群"],
        (GuestPreview, true) => &["Tomorrow 20:00: guest talk by {guest} on {t}. Feel free to share."],
        (GuestOpen, false) => &["嘉宾分享马上开始，请大家保持安静，有问题最后统一提问"],
        (GuestOpen, true) => &["The guest talk starts now; questions at the end please"],
        (GuestRelay, false) => &[
            "【转播】{guest}：社群的本质是聚一群人，干一件事",
            "【转播】{guest}：小群比大群更容易建立信任",
            "【转播】{guest}：{t}最重要的是找到同伴",
            "【转播】{guest}：仪式感让习惯坚持下去",
            "【转播】{guest}：每个成员都希望被看见",
            "【转播】{guest}：运营就是持续地做正确的小事",
        ],
        (GuestRelay, true) => &[
            "[relay] {guest}: find people who care about {t}",
            "[relay] {guest}: small groups build trust faster",
            "[relay] {guest}: rituals keep habits going",
        ],
        (GuestQuestion, false) => &["请问{guest}，{t}怎么坚持下去？", "想请教{guest}，新手怎么入门{t}？"],
        (GuestQuestion, true) => &["Question for {guest}: how to keep going with {t}?"],
        (GuestAnswer, false) => &["嘉宾回复：先找到一起做的人，再定一个小目标", "嘉宾回复：每天一点点，别追求完美"],
        (GuestAnswer, true) => &["Guest says: find a buddy, then a small goal"],
        (Thanks, false) => &["感谢嘉宾的精彩分享！", "收获满满，谢谢老师", "干货满满", "辛苦群主！"],
        (Thanks, true) => &["Thanks, great talk!", "Learned a lot, thank you"],
        (ChallengeStart, false) => &[
            "【打卡挑战】{challenge}第{k}期今天开始，共21天，每天在群里打卡：#打卡 第N天 + 今日内容，坚持到最后有奖励！",
        ],
        (ChallengeStart, true) => &["Challenge round {k} starts today: post #checkin day N + what you did, 21 days!"],
        (ChallengeRemind, false) => &["今天还没打卡的小伙伴抓紧哦", "还有几位没打卡，加油！"],
        (ChallengeRemind, true) => &["Not checked in yet today? Still time!"],
        (Cheer, false) => &["太棒了，继续加油！", "坚持就是胜利", "👍 棒棒的", "向你学习", "今天也很努力呀"],
        (Cheer, true) => &["Great job, keep going!", "👍", "Inspiring!"],
        (OfflineAnnounce, false) => &["【线下活动】{date}(周六)下午2点，{c}，{act}，名额20人，报名请回复+1"],
        (OfflineAnnounce, true) => &["Meetup {date} (Sat) 2pm: {act}. Reply +1 to join, 20 places."],
        (Rsvp, false) => &["+1 {name}", "报名+1", "+1，可以带一个朋友吗？", "我来！"],
        (Rsvp, true) => &["+1", "Count me in", "+1, can I bring a friend?"],
        (OfflineRemind, false) => &["明天下午的线下活动别忘了，地址见群公告"],
        (OfflineRemind, true) => &["Reminder: meetup tomorrow afternoon"],
        (OfflineAfter, false) => &["今天太开心了，下次还来！", "感谢组织，认识了好多朋友", "合影已发群相册"],
        (OfflineAfter, true) => &["Had a great time today!", "Thanks for organising!"],
        (Launch, false) => &["【团购】{item} 限时{price}元，今晚24点截止，需要的小伙伴私聊我"],
        (Launch, true) => &["Group buy: {item} at {price} today only, DM me"],
    }
}

/// Appends a random text of kind `say`.
pub fn say(out: &mut String, say: Say, theme: &Theme, en: bool, slots: &Slots, rng: &mut Rng) {
    let list = templates(say, en);
    let t = *rng.pick(list);
    fill(out, t, theme, en, slots, rng);
}

/// Appends a check-in text: `#打卡 第12天 …` (English `#checkin day 12 …`).
pub fn checkin(out: &mut String, theme: &Theme, en: bool, day: u32, rng: &mut Rng) {
    let content = *rng.pick(if en { theme.checkin_en } else { theme.checkin_zh });
    if en {
        out.push_str("#checkin day ");
        push_num(out, day as u64);
        out.push(' ');
    } else {
        out.push_str("#打卡 第");
        push_num(out, day as u64);
        out.push_str("天 ");
    }
    fill(out, content, theme, en, &Slots::default(), rng);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_fills_every_slot() {
        let mut rng = Rng::new(3);
        let slots = Slots { name: "N", q: "Q", guest: "G", date: "D", group: "GR", hh: 21, k: 1, city: "", job: "" };
        for theme in THEMES {
            for say in [
                Say::Question,
                Say::Share,
                Say::Answer,
                Say::Ack,
                Say::Greeting,
                Say::Evening,
                Say::Founded,
                Say::Intro,
                Say::Welcome,
                Say::WelcomeAll,
                Say::Nudge,
                Say::Ad,
                Say::Rule,
                Say::TopicPreview,
                Say::TopicOpen,
                Say::TopicPrompt,
                Say::TopicClose,
                Say::Digest,
                Say::GuestPreview,
                Say::GuestOpen,
                Say::GuestRelay,
                Say::GuestQuestion,
                Say::GuestAnswer,
                Say::Thanks,
                Say::ChallengeStart,
                Say::ChallengeRemind,
                Say::Cheer,
                Say::OfflineAnnounce,
                Say::Rsvp,
                Say::OfflineRemind,
                Say::OfflineAfter,
                Say::Launch,
            ] {
                for en in [false, true] {
                    for t in templates(say, en) {
                        let mut s = String::new();
                        fill(&mut s, t, theme, en, &slots, &mut rng);
                        assert!(!s.contains('{') && !s.is_empty(), "{say:?} {en}: {s}");
                        assert!(!s.contains(['"', '\\', '\n', '\r']), "templates stay free of escapes: {s}");
                    }
                }
            }
            let mut s = String::new();
            checkin(&mut s, theme, false, 12, &mut rng);
            assert!(s.starts_with("#打卡 第12天 "), "{s}");
        }
    }

    #[test]
    fn names_are_stable_and_follow_the_rule_format() {
        assert_eq!(display_name(7, false, true), display_name(7, false, true));
        let n = display_name(7, false, true);
        assert_eq!(n.matches('-').count(), 2, "{n}");
        assert!(!display_name(7, true, true).contains('-'));
    }
}
