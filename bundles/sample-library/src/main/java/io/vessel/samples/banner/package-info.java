/** Text banners; a library bundle for the sample catalogue (exported as version 1.2.0, see the pom). */
package io.vessel.samples.banner;
