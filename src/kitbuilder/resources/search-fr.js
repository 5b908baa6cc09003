
/* kitbuilder: French search that forgives missing accents, appended to Material's lunr.fr by
   the `association` plugin. Visitors often type « equipe » or « securite » on a phone: every
   accented word is indexed twice, as written and without its accents, so that both spellings
   find it, while suggestions and highlights still show the words as written. And the elided
   words before an apostrophe (« l' », « d' », « qu' »…) are dropped from index and query, so
   that « l'atelier » looks for « atelier », not for every page holding an « l' ». */
(function (lunr) {
  if (!lunr || !lunr.fr || lunr.fr.kitbuilderFolded) return;
  var fold = function (word) {
    return word.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  };
  var alsoFolded = function (token) {
    var plain = fold(token.toString());
    return plain === token.toString() ? token : [token, token.clone(fold)];
  };
  var elided = /^(c|d|j|l|m|n|s|t|qu|jusqu|lorsqu|puisqu|quoiqu)$/i;
  var dropElided = function (token) {
    return elided.test(token.toString()) ? undefined : token;
  };
  // Material adds a trailing wildcard to every term (« l* atelier* »), which skips the
  // pipeline: drop elided terms from the query itself, unless one is all there is so far.
  var search = lunr.Index.prototype.search;
  lunr.Index.prototype.search = function (query) {
    var terms = String(query).split(/\s+/).filter(Boolean);
    var kept = terms.filter(function (t) { return !elided.test(t.replace(/[*+\-]/g, "")); });
    return search.call(this, kept.length ? kept.join(" ") : query);
  };
  lunr.Pipeline.registerFunction(alsoFolded, "fold-accents-fr");
  lunr.Pipeline.registerFunction(dropElided, "drop-elided-fr");
  var french = lunr.fr;
  var wrapped = function () {
    french.apply(this, arguments);
    this.pipeline.add(dropElided, alsoFolded);
    this.searchPipeline.add(dropElided);
  };
  Object.keys(french).forEach(function (key) { wrapped[key] = french[key]; });
  wrapped.kitbuilderFolded = true;
  lunr.fr = wrapped;
})(typeof lunr !== "undefined" ? lunr : self.lunr);
