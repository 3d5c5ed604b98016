// robots.txt disallows /private/: a renderer that obeys it never loads this.
window.trackerLoaded = true;
