package demo

// The demo article in French: a translation of the same document, written
// for French readers (not machine-translated), with its own slug.

// ArticleSlugFR is the slug of the French demo article.
const ArticleSlugFR = "que-faire-si-les-photos-de-votre-carte-d-identite-et-de-votre-carte-bancaire-fuient"

const (
	articleTitleFR   = "Que faire si les photos de votre carte d'identité et de votre carte bancaire fuient"
	articleSummaryFR = "Quelqu'un détient des photos de votre carte d'identité ou de votre carte bancaire. " +
		"Agissez dans cet ordre : bloquez l'argent, signalez le document, puis surveillez les abus."
	categoryNameFR        = "Messages d'intérêt public"
	categoryDescriptionFR = "Des conseils pratiques pour aider chacun à se protéger."
)

const articleBodyFR = `<p>Les photos de pièces d'identité et de cartes de paiement voyagent plus loin qu'on ne le croit : un scan envoyé à un propriétaire, une image dans un album en ligne, un téléphone perdu. Si vous apprenez que des photos de votre carte d'identité ou de votre carte bancaire sont entre d'autres mains, le mal n'est en général pas encore fait. Ce qui compte, c'est d'agir vite, et dans le bon ordre.</p>
<h2>1. Bloquez d'abord l'argent</h2>
<p>Une photo de carte qui montre le numéro, la date d'expiration et le cryptogramme au dos suffit pour payer en ligne.</p>
<ul>
<li><strong>Appelez tout de suite le service d'opposition de votre banque</strong>, pas demain. Le numéro figure sur le site et dans l'application de la banque ; beaucoup d'applications permettent aussi de bloquer la carte vous-même en quelques gestes.</li>
<li>Demandez une nouvelle carte avec un <strong>nouveau numéro</strong>. Un simple blocage ne suffit pas si l'ancien numéro reste valable.</li>
<li>Passez en revue vos dernières opérations avec la banque et contestez celles que vous ne reconnaissez pas. Plus vous les signalez tôt, plus vous avez de chances d'être remboursé.</li>
<li>Mettez la nouvelle carte à jour partout où vous payez automatiquement, pour que rien d'essentiel ne soit coupé.</li>
</ul>
<h2>2. Déclarez la pièce d'identité</h2>
<p>Une photo de pièce d'identité ne vide pas votre compte à elle seule, mais elle aide quelqu'un à se faire passer pour vous : ouvrir des comptes, souscrire des crédits ou signer des contrats à votre nom.</p>
<ul>
<li><strong>Signalez la fuite à la police</strong> et gardez le numéro de la plainte. Banques et commerçants vous le demanderont si votre identité est usurpée plus tard.</li>
<li>Demandez au service qui a délivré le document s'il peut être <strong>annulé et remplacé</strong>. Un numéro annulé vaut bien moins pour un fraudeur.</li>
<li>Si votre pays dispose d'un fichier de prévention de la fraude ou d'un bureau de crédit, demandez une <strong>alerte à la fraude ou un gel du crédit</strong>, pour que tout nouveau crédit à votre nom exige des vérifications supplémentaires.</li>
</ul>
<h2>3. Surveillez les abus dans les semaines qui suivent</h2>
<ul>
<li>Lisez vos relevés bancaires, et les rapports de crédit que vous pouvez obtenir, pendant les mois qui viennent.</li>
<li>Méfiez-vous des appels, messages et courriels qui citent vos données personnelles pour gagner votre confiance. Une vraie banque ne demande jamais votre code secret, votre mot de passe complet ni un code à usage unique.</li>
<li>Activez les alertes pour chaque paiement et chaque connexion, et la double authentification pour votre banque, votre messagerie et votre compte téléphonique.</li>
</ul>
<h2>4. Cherchez comment c'est arrivé</h2>
<p>Pensez aux endroits où se trouvaient les photos : une conversation de messagerie, une pièce jointe, un dossier partagé, un ancien téléphone. Supprimez les copies dont vous n'avez plus besoin, restreignez le partage des autres, et changez le mot de passe de tout compte qui les contenait.</p>
<h2>La prochaine fois que vous devez transmettre un document</h2>
<ul>
<li>Masquez ce dont l'autre partie n'a pas besoin : les chiffres du milieu du numéro de carte, le cryptogramme, le numéro du document ou la photo.</li>
<li>Écrivez en travers de la copie à qui elle est destinée et pourquoi, par exemple <em>« Uniquement pour la location du 12 rue de l'Exemple, novembre 2026 »</em>. Une copie annotée est difficile à réutiliser.</li>
<li>Envoyez-la par un canal de confiance, et demandez au destinataire de la supprimer une fois le dossier traité.</li>
</ul>
<p><em>Ces conseils sont généraux. Votre banque, la police et le service qui a délivré votre document peuvent vous dire exactement ce qui s'applique là où vous vivez.</em></p>`

// illustrationAltFR is the picture's description in French, in the text of
// the French article (the media item's own alt text is the English one).
const illustrationAltFR = "Illustration : une carte d'identité et une carte bancaire côte à côte, un cadenas devant elles"
