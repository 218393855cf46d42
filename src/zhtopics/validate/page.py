"""The coders' page: one self-contained offline HTML file (inline CSS and JavaScript, no network).

The items and the theme list are embedded as JSON; a short plain script draws them, keeps
the answers in the browser's local storage as the coder goes (so a page closed by mistake
keeps them, where the browser allows it for a local file), and downloads them as a CSV in
the format of the sheet (:mod:`zhtopics.validate.kit`). Texts are shown as the input
wrote them. Written by hand: the page is small and must run without any library.
"""

from __future__ import annotations

import html
import json
import logging

import pandas as pd

logger = logging.getLogger(__name__)

_STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;max-width:52em;margin:2em auto;
padding:0 1em;line-height:1.6;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}
.item{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;margin:.8em 0}
.item.done{border-color:#6a6}.id{color:#888;font-size:.85em}.text{background:#f7f7f7;padding:.5em;margin:.4em 0}
label{display:block;cursor:pointer}label.word{display:inline-block;margin-right:1.2em}
#bar{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #ccc}
button{font-size:1em;padding:.3em 1em}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2em .5em}
"""

_SCRIPT = r"""
(function(){
var items=JSON.parse(document.getElementById('items').textContent);
var themes=JSON.parse(document.getElementById('themes').textContent);
var store='zhtopics-validation-'+items.length+'-'+(items[0]||{}).item_id;
var answers={};try{answers=JSON.parse(localStorage.getItem(store)||'{}');}catch(e){}
function save(){try{localStorage.setItem(store,JSON.stringify(answers));}catch(e){}count();}
function count(){var n=0;items.forEach(function(it){if(answers[it.item_id])n++;});
document.getElementById('count').textContent=n+' / '+items.length;}
function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!==undefined)e.textContent=text;return e;}
var sections={word_intrusion:document.getElementById('word_intrusion'),
topic_intrusion:document.getElementById('topic_intrusion'),coding:document.getElementById('coding')};
items.forEach(function(it){
  var box=el('div','item'+(answers[it.item_id]?' done':''));box.appendChild(el('div','id',it.item_id));
  if(it.text){box.appendChild(el('div','text',it.text));}
  function choose(v){answers[it.item_id]=v;box.className='item'+(v?' done':'');save();}
  if(it.task==='coding'){
    var sel=el('select');sel.appendChild(el('option','','—'));
    themes.forEach(function(t){var o=el('option','',t.number+' '+t.theme);o.value=String(t.number);sel.appendChild(o);});
    sel.value=answers[it.item_id]||'';sel.onchange=function(){choose(sel.value);};box.appendChild(sel);
  }else{
    it.options.split(' | ').forEach(function(opt){
      var number=opt.split(' ')[0];var lab=el('label',it.task==='word_intrusion'?'word':'');
      var r=el('input');r.type='radio';r.name=it.item_id;r.value=number;r.checked=answers[it.item_id]===number;
      r.onchange=function(){choose(number);};lab.appendChild(r);lab.appendChild(document.createTextNode(' '+opt.slice(number.length+1)));
      box.appendChild(lab);});
  }
  sections[it.task].appendChild(box);});
function cell(v){v=String(v===undefined?'':v);return /[",\r\n]/.test(v)?'"'+v.replace(/"/g,'""')+'"':v;}
document.getElementById('download').onclick=function(){
  var rows=[['item_id','task','text','options','answer']];
  items.forEach(function(it){rows.push([it.item_id,it.task,it.text,it.options,answers[it.item_id]||'']);});
  var csv='\ufeff'+rows.map(function(r){return r.map(cell).join(',');}).join('\r\n')+'\r\n';
  var name=(document.getElementById('coder').value||'coder').replace(/[^\w\u4e00-\u9fff-]+/g,'_');
  var a=document.createElement('a');a.href=URL.createObjectURL(new Blob([csv],{type:'text/csv;charset=utf-8'}));
  a.download='answers_'+name+'.csv';document.body.appendChild(a);a.click();document.body.removeChild(a);};
count();})();
"""


def _json_script(element_id: str, data) -> str:
    """Data for the script, in a ``<script type="application/json">`` that cannot close early."""
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def coder_page(sheet: pd.DataFrame, themes: pd.DataFrame) -> str:
    """The coders' page for the items of ``sheet`` and the theme list ``themes``."""
    counts = sheet["task"].value_counts()
    theme_rows = "".join(
        f"<tr><td>{int(r.number)}</td><td>{html.escape(str(r.theme))}</td><td>{html.escape(str(r.words))}</td></tr>"
        for r in themes.itertuples()
    )
    items = sheet[["item_id", "task", "text", "options"]].fillna("").to_dict(orient="records")
    return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>Topic validation</title><style>{_STYLE}</style></head>
<body>
<h1>Topic validation · 主题验证</h1>
<div id="bar">Your name · 编码者 <input id="coder" size="12"> · answered <span id="count"></span>
<button id="download">Download answers (CSV)</button></div>
<p>Answer in any order; your answers stay in this browser until you download them. Send the downloaded
file back. 可按任意顺序作答，完成后下载 CSV 文件并发回。</p>
<h2>1. Word intrusion · 找出不属于的词 ({counts.get("word_intrusion", 0)})</h2>
<p>Five of the six words belong together. Choose the one that does not. 六个词中有五个属于同一主题，请选出不属于的那个。</p>
<div id="word_intrusion"></div>
<h2>2. Topic intrusion · 找出不符合的主题 ({counts.get("topic_intrusion", 0)})</h2>
<p>Read the text. Three of the four topics fit it; choose the one that does not. 阅读文本，四个主题中有三个与之相符，请选出不相符的那个。</p>
<div id="topic_intrusion"></div>
<h2>3. Coding · 编码 ({counts.get("coding", 0)})</h2>
<p>Choose the theme the text is mainly about (the last one, other, when none fits). 请选择文本的主要主题（都不符合时选 other）。</p>
<table><tr><th>#</th><th>theme</th><th>words</th></tr>{theme_rows}</table>
<div id="coding"></div>
{_json_script("items", items)}
{_json_script("themes", themes[["number", "theme"]].to_dict(orient="records"))}
<script>{_SCRIPT}</script>
</body></html>
"""
