"""Weibo-style short posts with known duplicates and known near misses, written for the tests.

Each story is one post and its copies: the same post with another emoji or punctuation,
full-width letters, a typo, a particle or a short connective added, a mention added.
Near misses are posts that share a long template but differ by a clause, or short posts
that differ by the one word that carries their meaning: each is a story of its own (the
last two pairs differ by one character in 10 and 27: no rule on characters tells them
from a typo). A rule should put the posts of a story together and never two stories.
:func:`pair_counts` scores a grouping pair by pair; ``python -m tests.ingest.short_posts``
prints the scores of the old and the new rule and of a few settings around the new one.
"""

from __future__ import annotations

from itertools import combinations

#: (story, kind, text); kind says how a copy differs from the story's first post.
STORIES: list[tuple[str, str, str]] = [
    ("hz", "post", "唉，西湖边散步看日落，杭州的秋天很美。"),
    ("hz", "emoji", "唉，西湖边散步看日落，杭州的秋天很美🍂🌅"),
    ("hz", "punctuation", "唉,西湖边散步看日落,杭州的秋天很美!"),
    ("wm", "post", "外卖又超时了四十分钟，汤都洒了，商家还不接电话，这平台的骑士太难了也太坑了。"),
    ("wm", "typo", "外卖又超时了四十分钟，汤都撒了，商家还不接电话，这平台的骑士太难了也太坑了。"),
    ("wm", "particle", "外卖又超时了四十分钟啊，汤都洒了，商家还不接电话，这平台的骑士太难了也太坑了。"),
    ("sj", "post", "新买的手机用了三天就发烫，客服让我重启试试，售后真的服了。"),
    ("sj", "connective", "所以说新买的手机用了三天就发烫，客服让我重启试试，售后真的服了。"),
    ("sj", "full-width", "新买的手机用了３天就发烫，客服让我重启试试，售后真的服了！！"),
    ("jy", "post", "在线教育退费太难了，合同里写的七天无理由，到现在两个月了钱还没退回来。"),
    ("jy", "mention", "在线教育退费太难了，合同里写的七天无理由，到现在两个月了钱还没退回来。@小鹿"),
    ("yb", "post", "医保改革以后，老人看病报销的比例高了，门诊也能报了，这是实实在在的好事。"),
    ("yb", "emoji", "👍医保改革以后，老人看病报销的比例高了，门诊也能报了，这是实实在在的好事👍"),
    ("yb", "connective", "其实医保改革以后，老人看病报销的比例高了，门诊也能报了，这是实实在在的好事。"),
    ("fj", "post", "刚看了一套房，离地铁站走路十分钟，房价比去年降了不少，中介天天催着签合同。"),
    ("fj", "particle", "刚看了一套房，离地铁站走路十分钟，房价比去年降了不少呢，中介天天催着签合同。"),
    ("gj", "post", "国庆高铁票又没抢到，只能坐大巴回家了，十个小时的车程想想就累。"),
    ("gj", "punctuation", "国庆高铁票又没抢到…只能坐大巴回家了…十个小时的车程想想就累😩"),
    ("kf", "post", "楼下新开的咖啡店拿铁才九块九，味道居然还不错，就是排队的人太多。"),
    ("kf", "typo", "楼下新开的咖啡店拿铁才九块九，味道竟然还不错，就是排队的人太多。"),
    ("jb", "post", "今天加班到十一点，地铁末班车都没了，打车回家花了八十块。"),
    ("jb", "spaces", "今天加班到十一点 地铁末班车都没了 打车回家花了八十块"),
    (
        "qx",
        "post",
        "今年的高校毕业生人数又创新高，身边好多同学都在考公考研，"
        "考公的报名人数也比去年多了一倍，大家都想找一份稳定的工作，"
        "可是岗位就那么多，竞争越来越激烈，真不知道明年会是什么样子。",
    ),
    (
        "qx",
        "connective",
        "唉，今年的高校毕业生人数又创新高，身边好多同学都在考公考研，"
        "考公的报名人数也比去年多了一倍，大家都想找一份稳定的工作，"
        "可是岗位就那么多，竞争越来越激烈，真不知道明年会是什么样子。",
    ),
    # near misses: a shared template, a clause of their own
    ("sd-a", "post", "#双十一# 今天在京东买了一台华为手机，物流很快，第二天就到了，包装完好，推荐！"),
    ("sd-b", "post", "#双十一# 今天在京东买了一台华为手机，物流太慢了，等了一个星期才到，差评！"),
    (
        "hg-a",
        "post",
        "这家店的火锅味道很正宗，服务员也很热情，环境干净整洁，停车也方便，周末带家人来吃过两次了，推荐大家来试试。",
    ),
    (
        "hg-b",
        "post",
        "这家店的火锅味道很正宗，服务员也很热情，环境干净整洁，停车也方便，周末带家人来吃过两次了，推荐大家来试试，就是价格太贵了。",
    ),
    ("mt-a", "post", "美团外卖的红包越来越小了，满三十才减三块，配送费还涨了，还不如自己下楼买。"),
    ("mt-b", "post", "美团外卖的红包越来越小了，满三十才减三块，配送费还涨了，还不如自己下楼买，省钱又健康。"),
    ("dk-a", "post", "打卡第十五天，今天背了五十个单词，晚上早点睡，明天继续努力，加油！"),
    ("dk-b", "post", "打卡第十五天，今天背了五十个单词，还跑了五公里，晚上早点睡，明天继续努力，加油！"),
    ("zp-a", "post", "【转发抽奖】关注我并转发本条微博，十二月一日抽三位朋友送新款蓝牙耳机，祝大家好运！"),
    ("zp-b", "post", "【转发抽奖】关注我并转发本条微博，十二月一日抽三位朋友送新款蓝牙耳机和充电宝，祝大家好运！"),
    ("ts-a", "post", "在线教育退费太难了，合同里写的七天无理由，到现在两个月了钱还没退回来，已经投诉到消协了。"),
    (
        "xw-a",
        "post",
        "据市教育局消息，今年秋季学期起全市中小学课后服务全面覆盖，家长可以自愿选择，"
        "服务内容包括作业辅导和体育活动，具体安排以各学校通知为准。",
    ),
    (
        "xw-b",
        "post",
        "据市教育局消息，今年秋季学期起全市中小学课后服务全面覆盖，家长可以自愿选择，"
        "服务内容包括作业辅导和体育活动，经费由财政保障，具体安排以各学校通知为准。",
    ),
    (
        "by-a",
        "post",
        "今年的高校毕业生人数又创新高，身边好多同学都在考公考研，考公的报名人数也比去年多了一倍，"
        "大家都想找一份稳定的工作，可是岗位就那么多，竞争越来越激烈。我投了三十多份简历，"
        "只收到两个面试通知，一个是销售，一个是外包，和专业都不对口，家里人劝我再考一年，"
        "我自己也很迷茫，真不知道明年会是什么样子。",
    ),
    (
        "by-b",
        "post",
        "今年的高校毕业生人数又创新高，身边好多同学都在考公考研，考公的报名人数也比去年多了一倍，"
        "大家都想找一份稳定的工作，可是岗位就那么多，竞争越来越激烈。我投了三十多份简历，"
        "只收到两个面试通知，一个是销售，一个是外包，和专业都不对口，最后还是签了外包那家，"
        "工资只有四千，家里人劝我再考一年，我自己也很迷茫，真不知道明年会是什么样子。",
    ),
    # near misses: short posts that differ by the word that carries their meaning
    ("kd-a", "post", "快递送得很快"),
    ("kd-b", "post", "快递送得很慢"),
    ("dy-a", "post", "这部电影太好看了"),
    ("dy-b", "post", "这部电影太难看了"),
    ("tq-a", "post", "今天杭州下雨了"),
    ("tq-b", "post", "今天杭州下雪了"),
    # ... which a rule on characters cannot tell from a typo once the post is longer
    ("dy2-a", "post", "这部电影真的太好看了"),
    ("dy2-b", "post", "这部电影真的太难看了"),
    ("pj-a", "post", "宝贝收到了，物流很快，质量也不错，和描述的一样，五星好评！"),
    ("pj-b", "post", "宝贝收到了，物流很慢，质量也不错，和描述的一样，五星好评！"),
]


def pair_counts(groups: list[list[int]], stories: list[str] | None = None) -> dict[str, int]:
    """Pairs of posts: of the same story and grouped (found), of the same story and not
    grouped (missed), of two stories and grouped (wrong)."""
    stories = stories or [story for story, _, _ in STORIES]
    group_of = {member: n for n, members in enumerate(groups) for member in members}
    counts = {"found": 0, "missed": 0, "wrong": 0}
    for i, j in combinations(range(len(stories)), 2):
        same, grouped = stories[i] == stories[j], i in group_of and group_of.get(i) == group_of.get(j)
        if same:
            counts["found" if grouped else "missed"] += 1
        elif grouped:
            counts["wrong"] += 1
    return counts


def _main() -> None:  # pragma: no cover - a measurement, run by hand
    from dataclasses import replace

    from zhtopics.ingest import TextNormalizer
    from zhtopics.ingest.dedup import duplicate_key, find_duplicate_groups
    from zhtopics.params import load_params

    normalize = TextNormalizer()
    texts = [text for _, _, text in STORIES]
    default = load_params().corpus.duplicates
    rules = {
        "before (Jaccard of 5-grams >= 0.8 for every length)": replace(default, short_chars=0),
        "new default": default,
    }
    for edits in (1, 2, 4, 5):
        rules[f"short_max_edits {edits}"] = replace(default, short_max_edits=edits)
    for share in (0.05, 0.12, 0.15, 0.2):
        rules[f"short_max_share {share}"] = replace(default, short_max_share=share)
    for chars in (50, 100):
        rules[f"short_chars {chars}"] = replace(default, short_chars=chars)
    print(f"{len(texts)} posts, {len({s for s, _, _ in STORIES})} stories")
    print("| rule | pairs found | missed | wrong |\n| --- | --- | --- | --- |")
    for name, rule in rules.items():
        groups = find_duplicate_groups(texts, rule, key=lambda text: duplicate_key(normalize(text)))
        counts = pair_counts([members for members, _ in groups])
        print(f"| {name} | {counts['found']} | {counts['missed']} | {counts['wrong']} |")


if __name__ == "__main__":  # pragma: no cover
    _main()
